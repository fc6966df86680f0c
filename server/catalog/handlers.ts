import { appendAudit } from '../audit/chain';
import { nextTenantChange } from '../db/change-counters';
import { withTransaction } from '../db/tx';
import { HttpError } from '../http/errors';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { catalogCsv, invalid, parseCatalogCsv } from './import';
import type { quickKeyClashes } from './store';
import {
  catalogError,
  ITEM_COLUMNS,
  listCategories,
  listItems,
  shopOf,
  toItem,
  unknownCategories,
  upsertItems,
  type Tenant,
} from './store';

type CatalogHandlerNames =
  'listCatalog' | 'setCategories' | 'setShop' | 'retireCatalogItem' | 'importCatalog' | 'exportCatalog';

const target = (t: Tenant) => ({ targetType: 'catalog', targetId: `${t.tenant_type}:${t.tenant_id}` });

/** The back office's catalog (issue #19, item 6); tills pull the result (payments/pull.ts). */
export function catalogHandlers(deps: TrustDeps): Pick<Handlers, CatalogHandlerNames> {
  const { pool } = deps;
  return {
    listCatalog: async ({ query: t }) => {
      return {
        body: {
          items: await listItems(pool, t),
          categories: await listCategories(pool, t),
          shop: await shopOf(pool, t),
        },
      };
    },

    setCategories: async ({ body, user }) => {
      const { categories, ...t } = body;
      const saved = await withTransaction(pool, async (client) => {
        const before = await listCategories(client, t);
        const kept = categories.map((c) => c.category_id);
        const { rows: inUse } = await client.query<{ category_id: string }>(
          `SELECT DISTINCT category_id FROM offline_catalog_items
           WHERE tenant_type = $1 AND tenant_id = $2 AND category_id IS NOT NULL AND NOT (category_id = ANY($3))
           ORDER BY category_id`,
          [t.tenant_type, t.tenant_id, kept],
        );
        if (inUse.length > 0)
          throw catalogError('CATEGORY_IN_USE', 'Items are still in these categories', {
            category_ids: inUse.map((r) => r.category_id),
          });
        // Deleted first: positions are unique and may move between categories.
        await client.query(
          'DELETE FROM offline_catalog_categories WHERE tenant_type = $1 AND tenant_id = $2',
          [t.tenant_type, t.tenant_id],
        );
        await client.query(
          `INSERT INTO offline_catalog_categories (tenant_type, tenant_id, category_id, name, position)
           SELECT $1, $2, u.* FROM unnest($3::text[], $4::text[], $5::integer[]) AS u`,
          [
            t.tenant_type,
            t.tenant_id,
            kept,
            categories.map((c) => c.name),
            categories.map((c) => c.position),
          ],
        );
        const after = await listCategories(client, t);
        if (JSON.stringify(before) !== JSON.stringify(after))
          await appendAudit(client, {
            actorType: 'user',
            actorId: user.id,
            action: 'catalog.categories_changed',
            ...target(t),
            details: { before, after },
          });
        return after;
      });
      return { body: { categories: saved } };
    },

    setShop: async ({ body, user }) => {
      const { tenant_type, tenant_id, ...shop } = body;
      const t = { tenant_type, tenant_id };
      await withTransaction(pool, async (client) => {
        const before = await shopOf(client, t);
        await client.query(
          `INSERT INTO offline_shops (tenant_type, tenant_id, name, address, tax_id) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (tenant_type, tenant_id) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address,
             tax_id = EXCLUDED.tax_id, updated_at = EXCLUDED.updated_at`,
          [tenant_type, tenant_id, shop.name, shop.address, shop.tax_id],
        );
        if (JSON.stringify(before) !== JSON.stringify(shop))
          await appendAudit(client, {
            actorType: 'user',
            actorId: user.id,
            action: 'catalog.shop_changed',
            ...target(t),
            details: { before, after: shop },
          });
      });
      return { body: { shop } };
    },

    retireCatalogItem: async ({ params, user }) => {
      const { sku, ...t } = params;
      const item = await withTransaction(pool, async (client) => {
        // Retired, not deleted: a pull sends changed rows, and a till must learn this one is gone.
        const change = await nextTenantChange(client, t);
        const { rows } = await client.query<Parameters<typeof toItem>[0] & { changed: boolean }>(
          `UPDATE offline_catalog_items SET active = false, updated_at = now(), change_seq = $4
           WHERE tenant_type = $1 AND tenant_id = $2 AND sku = $3 RETURNING ${ITEM_COLUMNS}`,
          [t.tenant_type, t.tenant_id, sku, change],
        );
        if (!rows[0]) throw catalogError('CATALOG_ITEM_NOT_FOUND', 'No item with this sku');
        await appendAudit(client, {
          actorType: 'user',
          actorId: user.id,
          action: 'catalog.item_retired',
          ...target(t),
          details: { sku },
        });
        return toItem(rows[0]);
      });
      return { body: { item } };
    },

    importCatalog: async ({ body, user }) => {
      const { csv, ...t } = body;
      const rows = parseCatalogCsv(csv);
      const items = rows.map((r) => r.item);
      const changed = await withTransaction(pool, async (client) => {
        // What only the database knows, still reported by line (nothing is imported).
        const unknown = new Set(await unknownCategories(client, t, items));
        if (unknown.size > 0)
          throw invalid(
            rows
              .filter((r) => unknown.has(r.item.sku))
              .map(({ line, item }) => ({
                line,
                column: 'category_id',
                code: 'category_not_found',
                message: `no category ${item.category_id} (POST /offline/catalog/categories)`,
              })),
          );
        try {
          return await upsertItems(client, t, items, { actorId: user.id, action: 'catalog.imported' });
        } catch (err) {
          if (!(err instanceof HttpError) || err.code !== 'QUICK_KEY_TAKEN') throw err;
          const clashes = err.details as Awaited<ReturnType<typeof quickKeyClashes>>;
          throw invalid(
            rows.flatMap(({ line, item }) =>
              clashes
                .filter((c) => c.skus.includes(item.sku))
                .map((c) => ({
                  line,
                  column: 'quick_key',
                  code: 'quick_key_taken',
                  message: `key ${c.quick_key} of ${c.category_id} is also ${c.skus.filter((k) => k !== item.sku).join(', ')}'s`,
                })),
            ),
          );
        }
      });
      return { body: { changed, total: rows.length } };
    },

    exportCatalog: async ({ query: t }) => {
      return { body: catalogCsv(await listItems(pool, t)), contentType: 'text/csv; charset=utf-8' };
    },
  };
}
