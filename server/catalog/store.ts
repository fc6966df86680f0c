import type {
  CatalogImageRef,
  CatalogItem,
  Category,
  Shop,
  TenantType,
  CatalogErrorCode,
} from '../../protocol/http';
import { BACK_OFFICE_ERROR_STATUS } from '../../protocol/http';
import type pg from 'pg';
import { appendAudit } from '../audit/chain';
import { nextTenantChange } from '../db/change-counters';
import type { Queryable } from '../db/tx';
import { HttpError } from '../http/errors';

/** A tenant's catalog, categories and shop (issue #19, item 6). */

export interface Tenant {
  tenant_type: TenantType;
  tenant_id: string;
}

export const catalogError = (code: keyof typeof CatalogErrorCode, message: string, details?: unknown) =>
  new HttpError(BACK_OFFICE_ERROR_STATUS[code], code, message, details);

export interface ItemRow {
  sku: string;
  barcode: string | null;
  name: string;
  price_minor: string;
  currency: string;
  tax_rate_bp: number;
  active: boolean;
  barcodes: string[];
  category_id: string | null;
  quick_key: number | null;
  image: CatalogImageRef | null;
  updated_at: Date;
}

export const ITEM_COLUMNS = `sku, barcode, name, price_minor, currency, tax_rate_bp, active, barcodes, category_id,
  quick_key, image, updated_at`;

export function toItem({ updated_at, image, ...row }: ItemRow): CatalogItem & { updated_at: string } {
  // `image` only when there is one: items answer as they did before pictures existed.
  return {
    ...row,
    ...(image ? { image } : {}),
    price_minor: Number(row.price_minor),
    updated_at: updated_at.toISOString(),
  };
}

export async function listItems(db: Queryable, t: Tenant): Promise<(CatalogItem & { updated_at: string })[]> {
  const { rows } = await db.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM offline_catalog_items WHERE tenant_type = $1 AND tenant_id = $2 ORDER BY sku`,
    [t.tenant_type, t.tenant_id],
  );
  return rows.map(toItem);
}

export async function listCategories(db: Queryable, t: Tenant): Promise<Category[]> {
  const { rows } = await db.query<Category>(
    `SELECT category_id, name, position FROM offline_catalog_categories
     WHERE tenant_type = $1 AND tenant_id = $2 ORDER BY position`,
    [t.tenant_type, t.tenant_id],
  );
  return rows;
}

export async function shopOf(db: Queryable, t: Tenant): Promise<Shop | null> {
  const { rows } = await db.query<Shop>(
    'SELECT name, address, tax_id FROM offline_shops WHERE tenant_type = $1 AND tenant_id = $2',
    [t.tenant_type, t.tenant_id],
  );
  return rows[0] ?? null;
}

/** The item as stored: its barcodes list, and `barcode` the first of them (what older tills read). */
function stored(item: CatalogItem) {
  const barcodes = item.barcodes ?? (item.barcode === null ? [] : [item.barcode]);
  return { ...item, barcodes, barcode: barcodes[0] ?? null };
}

/** Items naming a category the tenant lacks: their skus, for CATEGORY_NOT_FOUND. */
export async function unknownCategories(
  db: Queryable,
  t: Tenant,
  items: readonly Pick<CatalogItem, 'sku' | 'category_id'>[],
): Promise<string[]> {
  const known = new Set((await listCategories(db, t)).map((c) => c.category_id));
  return items.filter((i) => i.category_id != null && !known.has(i.category_id)).map((i) => i.sku);
}

/** Active items sharing one quick key of one category, after a change (in its transaction). */
export async function quickKeyClashes(
  db: Queryable,
  t: Tenant,
): Promise<{ category_id: string; quick_key: number; skus: string[] }[]> {
  const { rows } = await db.query<{ category_id: string; quick_key: number; skus: string[] }>(
    `SELECT category_id, quick_key, array_agg(sku ORDER BY sku) AS skus FROM offline_catalog_items
     WHERE tenant_type = $1 AND tenant_id = $2 AND active AND quick_key IS NOT NULL
     GROUP BY category_id, quick_key HAVING count(*) > 1 ORDER BY category_id, quick_key`,
    [t.tenant_type, t.tenant_id],
  );
  return rows;
}

/**
 * Inserts or replaces items by sku, in the caller's transaction, and audits the change. A row
 * changes (and reaches tills on their next pull) only when a value really differs. Refuses items
 * naming an unknown category (409 CATEGORY_NOT_FOUND) and two active items on one quick key
 * (409 QUICK_KEY_TAKEN); the caller's transaction then writes nothing.
 */
export async function upsertItems(
  client: pg.PoolClient,
  t: Tenant,
  input: readonly CatalogItem[],
  audit: { actorId: string; action: 'catalog.upserted' | 'catalog.imported' },
): Promise<number> {
  // Last one wins for a sku repeated in one request (one statement cannot update a row twice).
  const items = [...new Map(input.map((i) => [i.sku, stored(i)])).values()];
  const unknown = await unknownCategories(client, t, items);
  if (unknown.length > 0)
    throw catalogError('CATEGORY_NOT_FOUND', 'Items name a category this tenant does not have', {
      skus: unknown.slice(0, 50),
    });
  // Numbered even when no row turns out to change: a gap in the numbers is harmless.
  const change = await nextTenantChange(client, t);
  const { rowCount } = await client.query(
    `INSERT INTO offline_catalog_items AS c (tenant_type, tenant_id, sku, barcode, name, price_minor, currency,
       tax_rate_bp, active, barcodes, category_id, quick_key, change_seq)
     SELECT $1, $2, u.sku, u.barcode, u.name, u.price_minor, u.currency, u.tax_rate_bp, u.active,
       ARRAY(SELECT jsonb_array_elements_text(u.barcodes)), u.category_id, u.quick_key, $13::bigint
     FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::integer[], $9::boolean[],
       $10::jsonb[], $11::text[], $12::integer[])
       AS u (sku, barcode, name, price_minor, currency, tax_rate_bp, active, barcodes, category_id, quick_key)
     ON CONFLICT (tenant_type, tenant_id, sku) DO UPDATE SET
       barcode = EXCLUDED.barcode, name = EXCLUDED.name, price_minor = EXCLUDED.price_minor,
       currency = EXCLUDED.currency, tax_rate_bp = EXCLUDED.tax_rate_bp, active = EXCLUDED.active,
       barcodes = EXCLUDED.barcodes, category_id = EXCLUDED.category_id, quick_key = EXCLUDED.quick_key,
       updated_at = EXCLUDED.updated_at, change_seq = EXCLUDED.change_seq
     WHERE (c.barcode, c.name, c.price_minor, c.currency, c.tax_rate_bp, c.active, c.barcodes, c.category_id,
            c.quick_key)
       IS DISTINCT FROM (EXCLUDED.barcode, EXCLUDED.name, EXCLUDED.price_minor, EXCLUDED.currency,
         EXCLUDED.tax_rate_bp, EXCLUDED.active, EXCLUDED.barcodes, EXCLUDED.category_id, EXCLUDED.quick_key)`,
    [
      t.tenant_type,
      t.tenant_id,
      items.map((i) => i.sku),
      items.map((i) => i.barcode),
      items.map((i) => i.name),
      items.map((i) => i.price_minor),
      items.map((i) => i.currency),
      items.map((i) => i.tax_rate_bp),
      items.map((i) => i.active),
      items.map((i) => JSON.stringify(i.barcodes)),
      items.map((i) => i.category_id ?? null),
      items.map((i) => i.quick_key ?? null),
      change,
    ],
  );
  const clashes = await quickKeyClashes(client, t);
  if (clashes.length > 0)
    throw catalogError('QUICK_KEY_TAKEN', 'Two active items on one quick key of a category', clashes);
  const changed = rowCount ?? 0;
  if (changed > 0)
    await appendAudit(client, {
      actorType: 'user',
      actorId: audit.actorId,
      action: audit.action,
      targetType: 'catalog',
      targetId: `${t.tenant_type}:${t.tenant_id}`,
      details: { changed, skus: items.slice(0, 50).map((i) => i.sku) },
    });
  return changed;
}
