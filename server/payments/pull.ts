import type pg from 'pg';
import { z } from 'zod';
import {
  PULL_PAGE_DEFAULT,
  type CatalogItem,
  type PaymentsPullResponse,
  type ScoreReason,
  type TenantType,
} from '../../protocol/http';
import { listCategories, shopOf, type ItemRow } from '../catalog/store';
import { policyFor } from '../policies/store';
import type { BundleRow } from './store';

/**
 * GET /offline/sync/payments, one page at a time.
 *
 * A pull is a delta: rows whose change_xid (the transaction that last changed them) is at or after
 * `since`. The resume cursor is the xmin of the first page's snapshot: every change that page could
 * not see belongs to a transaction at or after it, so the next pull sees it. Paging keeps that
 * first xmin and walks catalog items by sku, then bundle outcomes by seq_from. A row changed
 * while the pages are read is either on a later page or (if its key was passed) in the next pull;
 * at worst it comes twice, and applying an item or outcome twice is harmless.
 */

/** Where a pull stands: a plain xid8 (resume) or a page cursor (`p.` + base64url JSON). */
interface Position {
  since: string;
  /** xmin of the first page's snapshot; null on a first page. */
  firstXmin: string | null;
  phase: 'catalog' | 'bundles';
  /** Last sku (catalog) or seq_from (bundles) sent; null: from the start of the phase. */
  after: string | null;
}

const XID = /^\d{1,20}$/;
/** xid8 and bigint (seq_from) bounds: a larger number would reach PostgreSQL's cast and answer 500. */
const XID8_MAX = 2n ** 64n - 1n;
const BIGINT_MAX = 2n ** 63n - 1n;
const isXid = (v: string): boolean => XID.test(v) && BigInt(v) <= XID8_MAX;
const PAGE_PREFIX = 'p.';
const PageCursor = z.tuple([
  z.string().regex(XID),
  z.string().regex(XID),
  z.enum(['catalog', 'bundles']),
  z.string().max(64).nullable(),
]);

/** null: not a cursor this server gave out. */
export function parseCursor(since: string | undefined): Position | null {
  if (since === undefined) return { since: '0', firstXmin: null, phase: 'catalog', after: null };
  if (isXid(since)) return { since, firstXmin: null, phase: 'catalog', after: null };
  if (!since.startsWith(PAGE_PREFIX)) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(since.slice(PAGE_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  const page = PageCursor.safeParse(decoded);
  if (!page.success) return null;
  const [from, firstXmin, phase, after] = page.data;
  if (!isXid(from) || !isXid(firstXmin)) return null;
  if (phase === 'bundles' && after !== null && !(XID.test(after) && BigInt(after) <= BIGINT_MAX)) return null;
  return { since: from, firstXmin, phase, after };
}

function pageCursor(p: Position & { firstXmin: string }): string {
  const json = JSON.stringify([p.since, p.firstXmin, p.phase, p.after]);
  return PAGE_PREFIX + Buffer.from(json).toString('base64url');
}

/** The back office's fields (barcodes, category_id, quick_key) only on a `catalog=2` pull (#19). */
type CatalogRow = Omit<ItemRow, 'updated_at' | 'barcodes' | 'category_id' | 'quick_key' | 'image'> &
  Partial<Pick<ItemRow, 'barcodes' | 'category_id' | 'quick_key' | 'image'>>;

// `image` only when the item has one (a catalog=2 pull reads it): items answer as before pictures.
const toCatalogItem = ({ image, ...row }: CatalogRow): CatalogItem => ({
  ...row,
  ...(image ? { image } : {}),
  price_minor: Number(row.price_minor),
});

const V1_COLUMNS = 'sku, barcode, name, price_minor, currency, tax_rate_bp, active';
const V2_COLUMNS = `${V1_COLUMNS}, barcodes, category_id, quick_key, image`;

interface OutcomeRow {
  bundle_id: string;
  seq_from: string;
  status: BundleRow['status'];
  reasons: ScoreReason[];
  updated_at: Date;
}

export interface PullDevice {
  device_id: string;
  tenant_type: string | null;
  tenant_id: string | null;
  country: string | null;
}

/** One page of the pull, read inside the caller's transaction; the handler signs its statement. */
export async function pullPage(
  client: pg.PoolClient,
  device: PullDevice,
  position: Position,
  limit = PULL_PAGE_DEFAULT,
  /** The till pulls with `catalog=2`: the back office's fields, categories and shop too (#19). */
  catalogV2 = false,
): Promise<Omit<PaymentsPullResponse, 'statement'>> {
  const firstXmin =
    position.firstXmin ??
    (await client.query<{ xmin: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin'))
      .rows[0]!.xmin;
  const { since } = position;

  // One more row than the page holds says whether there is a next page.
  let catalog: CatalogRow[] = [];
  if (position.phase === 'catalog' && device.tenant_type && device.tenant_id) {
    const { rows } = await client.query<CatalogRow>(
      `SELECT ${catalogV2 ? V2_COLUMNS : V1_COLUMNS} FROM offline_catalog_items
       WHERE tenant_type = $1 AND tenant_id = $2 AND change_xid >= $3::xid8 AND ($4::text IS NULL OR sku > $4)
       ORDER BY sku LIMIT $5`,
      [device.tenant_type, device.tenant_id, since, position.after, limit + 1],
    );
    catalog = rows;
  }
  let next: Position | null = null;
  let outcomes: OutcomeRow[] = [];
  if (catalog.length > limit) {
    catalog = catalog.slice(0, limit);
    next = { since, firstXmin, phase: 'catalog', after: catalog[catalog.length - 1]!.sku };
  } else {
    const room = limit - catalog.length;
    const after = position.phase === 'bundles' ? (position.after ?? '0') : '0';
    const { rows } = await client.query<OutcomeRow>(
      `SELECT bundle_id, seq_from::text AS seq_from, status, reasons, updated_at FROM offline_tx_bundles
       WHERE device_id = $1 AND change_xid >= $2::xid8 AND seq_from > $3::bigint ORDER BY seq_from LIMIT $4`,
      [device.device_id, since, after, room + 1],
    );
    outcomes = rows;
    if (outcomes.length > room) {
      outcomes = outcomes.slice(0, room);
      next = {
        since,
        firstXmin,
        phase: 'bundles',
        after: outcomes.length > 0 ? outcomes[outcomes.length - 1]!.seq_from : after,
      };
    }
  }

  const last = await client.query<{ last: string | null }>(
    'SELECT max(seq_to)::text AS last FROM offline_tx_bundles WHERE device_id = $1',
    [device.device_id],
  );
  await client.query('UPDATE offline_devices SET last_seen_at = now() WHERE device_id = $1', [
    device.device_id,
  ]);
  return {
    server_time: new Date().toISOString(),
    policy: await policyFor(client, device.country),
    catalog: catalog.map(toCatalogItem),
    bundles: outcomes.map((b) => ({
      bundle_id: b.bundle_id,
      status: b.status,
      reasons: b.reasons,
      updated_at: b.updated_at.toISOString(),
    })),
    cursor: next ? pageCursor({ ...next, firstXmin }) : firstXmin,
    more: next !== null,
    last_seq: Number(last.rows[0]?.last ?? 0),
    ...(catalogV2 ? await tenantExtras(client, device) : {}),
  };
}

/** The whole set of categories and the shop (both small), on every `catalog=2` page. */
async function tenantExtras(
  client: pg.PoolClient,
  device: PullDevice,
): Promise<Pick<PaymentsPullResponse, 'categories' | 'shop'>> {
  if (!device.tenant_type || !device.tenant_id) return { categories: [], shop: null };
  const tenant = { tenant_type: device.tenant_type as TenantType, tenant_id: device.tenant_id };
  return { categories: await listCategories(client, tenant), shop: await shopOf(client, tenant) };
}
