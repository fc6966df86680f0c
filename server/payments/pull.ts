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
import { tenantScope } from '../db/change-counters';
import { policyFor } from '../policies/store';
import type { BundleRow } from './store';

/**
 * GET /offline/sync/payments, one page at a time.
 *
 * A pull is a delta: bundles whose change_seq (their device's change counter, migrations
 * 1796490147004 and 1796491200000) is above the cursor's device number, and catalog items whose change_seq (their
 * tenant's counter) is above its tenant number. A counter's row is locked by its writer until
 * COMMIT, so within a scope numbers commit in order: the counter this pull's snapshot sees is a
 * point below which every change is visible (or rolled back). The first page reads both counters;
 * paging keeps them and walks catalog items by sku, then bundle outcomes by seq_from; the last page
 * answers them as the resume cursor. A row changed while the pages are read is either on a later
 * page or in the next pull; at worst it comes twice, and applying an item or outcome twice is
 * harmless. Counters are data: a dump and restore, or a replica, carries them.
 */

/** Where a pull stands: the counters already seen, and on a later page the counters to resume from. */
interface Position {
  device: string;
  tenant: string;
  /** The counters the first page read (the resume cursor); null on a first page. */
  high: { device: string; tenant: string } | null;
  phase: 'catalog' | 'bundles';
  /** Last sku (catalog) or seq_from (bundles) sent; null: from the start of the phase. */
  after: string | null;
}

const NUMBER = /^\d{1,20}$/;
/** xid8 and bigint bounds: a larger number would reach PostgreSQL's cast and answer 500. */
const XID8_MAX = 2n ** 64n - 1n;
const BIGINT_MAX = 2n ** 63n - 1n;
const isXid = (v: string): boolean => NUMBER.test(v) && BigInt(v) <= XID8_MAX;
const isBigint = (v: string): boolean => NUMBER.test(v) && BigInt(v) <= BIGINT_MAX;
const RESUME = /^c\.(\d{1,20})\.(\d{1,20})$/;
const PAGE_PREFIX = 'q.';
const Counter = z.string().regex(NUMBER).refine(isBigint);
const PageCursor = z.tuple([
  Counter,
  Counter,
  Counter,
  Counter,
  z.enum(['catalog', 'bundles']),
  z.string().max(64).nullable(),
]);
/** Before counters (xid cursors), a page was `p.` + base64url JSON [xid, xid, phase, after]. */
const OLD_PAGE_PREFIX = 'p.';
const OldPageCursor = z.tuple([
  z.string().regex(NUMBER).refine(isXid),
  z.string().regex(NUMBER).refine(isXid),
  z.enum(['catalog', 'bundles']),
  z.string().max(64).nullable(),
]);

const START: Position = { device: '0', tenant: '0', high: null, phase: 'catalog', after: null };

function decoded(text: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * null: not a cursor this server gave out. A cursor from before counters (a transaction id, or a
 * page of one) starts the till over: it gets every item and outcome again, which it applies
 * harmlessly, and can neither lose nor skip a change.
 */
export function parseCursor(since: string | undefined): Position | null {
  if (since === undefined) return START;
  const resume = RESUME.exec(since);
  if (resume) {
    const [, device, tenant] = resume;
    return isBigint(device!) && isBigint(tenant!) ? { ...START, device: device!, tenant: tenant! } : null;
  }
  if (isXid(since)) return START;
  if (since.startsWith(OLD_PAGE_PREFIX)) {
    const old = OldPageCursor.safeParse(decoded(since.slice(OLD_PAGE_PREFIX.length)));
    if (!old.success) return null;
    const after = old.data[3];
    if (old.data[2] === 'bundles' && after !== null && !isBigint(after)) return null;
    return START;
  }
  if (!since.startsWith(PAGE_PREFIX)) return null;
  const page = PageCursor.safeParse(decoded(since.slice(PAGE_PREFIX.length)));
  if (!page.success) return null;
  const [device, tenant, highDevice, highTenant, phase, after] = page.data;
  if (phase === 'bundles' && after !== null && !isBigint(after)) return null;
  return { device, tenant, high: { device: highDevice, tenant: highTenant }, phase, after };
}

function pageCursor(p: Position & { high: { device: string; tenant: string } }): string {
  const json = JSON.stringify([p.device, p.tenant, p.high.device, p.high.tenant, p.phase, p.after]);
  return PAGE_PREFIX + Buffer.from(json).toString('base64url');
}

const resumeCursor = (high: { device: string; tenant: string }) => `c.${high.device}.${high.tenant}`;

/**
 * The device's and its tenant's counters, as this transaction sees them. Two statements: the
 * device's counter is on the device's shard (offline_device_changes), the tenant's on the
 * coordinator. Each value read is a point below which that scope's changes are all committed.
 */
async function counters(
  client: pg.PoolClient,
  device: PullDevice,
): Promise<{ device: string; tenant: string }> {
  const own = await client.query<{ value: string }>(
    'SELECT value::text AS value FROM offline_device_changes WHERE device_id = $1',
    [device.device_id],
  );
  let tenant = '0';
  if (device.tenant_type && device.tenant_id) {
    const { rows } = await client.query<{ value: string }>(
      'SELECT value::text AS value FROM offline_change_counters WHERE scope = $1',
      [tenantScope({ tenant_type: device.tenant_type, tenant_id: device.tenant_id })],
    );
    tenant = rows[0]?.value ?? '0';
  }
  return { device: own.rows[0]?.value ?? '0', tenant };
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
  const high = position.high ?? (await counters(client, device));

  // One more row than the page holds says whether there is a next page.
  let catalog: CatalogRow[] = [];
  if (position.phase === 'catalog' && device.tenant_type && device.tenant_id) {
    const { rows } = await client.query<CatalogRow>(
      `SELECT ${catalogV2 ? V2_COLUMNS : V1_COLUMNS} FROM offline_catalog_items
       WHERE tenant_type = $1 AND tenant_id = $2 AND change_seq > $3::bigint AND ($4::text IS NULL OR sku > $4)
       ORDER BY sku LIMIT $5`,
      [device.tenant_type, device.tenant_id, position.tenant, position.after, limit + 1],
    );
    catalog = rows;
  }
  let next: Position | null = null;
  let outcomes: OutcomeRow[] = [];
  if (catalog.length > limit) {
    catalog = catalog.slice(0, limit);
    next = { ...position, high, phase: 'catalog', after: catalog[catalog.length - 1]!.sku };
  } else {
    const room = limit - catalog.length;
    const after = position.phase === 'bundles' ? (position.after ?? '0') : '0';
    const { rows } = await client.query<OutcomeRow>(
      `SELECT bundle_id, seq_from::text AS seq_from, status, reasons, updated_at FROM offline_tx_bundles
       WHERE device_id = $1 AND change_seq > $2::bigint AND seq_from > $3::bigint ORDER BY seq_from LIMIT $4`,
      [device.device_id, position.device, after, room + 1],
    );
    outcomes = rows;
    if (outcomes.length > room) {
      outcomes = outcomes.slice(0, room);
      next = {
        ...position,
        high,
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
    cursor: next ? pageCursor({ ...next, high }) : resumeCursor(high),
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
