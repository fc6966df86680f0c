import type { Sale } from '../../protocol/bundle';
import type { Queryable } from '../db/tx';
import { tenderSplit } from './store';

/**
 * Refunds and voids against their original sale. A refund or void is signed evidence like any
 * sale, so a bad one is stored and flagged (score reasons), never refused: ops see it in review.
 * The ledger's own guard is in the worker (postingCheck below): whatever ops decide, a refund is
 * posted only against a posted original and only up to what remains of it.
 *
 * At push the money a refund sends back is also held to what the original took by each tender
 * (red-team pass 7, M-b; the till's own rule is src-main/core/pos/refund-tender.ts): cash back
 * beyond the cash the original left in the drawer (cash net of change, less the cash earlier
 * refunds of it gave back) needs a manager, so without an override it is a mismatch and with one it
 * is held for review (the override is the terminal's word); card or QR money back beyond what that
 * tender paid is a mismatch. At posting this is not checked again: the bundle got there through
 * that score or a person's approval of it.
 */

export interface StoredOriginal {
  sale_id: string;
  device_id: string;
  kind: Sale['kind'];
  currency: string;
  total_minor: string;
  cash_minor: string;
  card_minor: string;
  qr_minor: string;
  status: 'pending' | 'reconciled' | 'held' | 'rejected';
  tenant_type: string | null;
  tenant_id: string | null;
  /** Set when more than one device of the refunding tenant holds this sale_id: how many. */
  clash?: number;
}

/** What a refund or void needs to know about the sale it reverses. */
interface Original {
  kind: Sale['kind'];
  currency: string;
  total: bigint;
  split: Split;
  device_id: string;
  tenant: string | null;
  status: StoredOriginal['status'] | 'in_bundle';
}

export interface RefundFindings {
  /** Refunds/voids whose original the server does not hold (for this device or its tenant). */
  unknownOriginal: string | null;
  /**
   * original_sale_id → the device whose sale it is, for each original resolved to a sale of the
   * refunding device or its tenant: stored with the refund (original_device_id), so only these
   * refunds count against that sale and the worker posts against it alone.
   */
  originalDevices?: ReadonlyMap<string, string>;
  /** Other currency, an original that is not a sale or was rejected, or more than remains. */
  mismatch: string | null;
  /** Cash back beyond the cash the original took, on the terminal's override: review. */
  cashOverride: string | null;
}

/** Money by tender type (cash net of change), as stored per transaction. */
interface Split {
  cash: bigint;
  card: bigint;
  qr: bigint;
}
const TENDER_TYPES = ['cash', 'card', 'qr'] as const;
const NOTHING: Split & { total: bigint } = { total: 0n, cash: 0n, card: 0n, qr: 0n };
const splitOf = (r: {
  cash_minor?: number | string;
  card_minor?: number | string;
  qr_minor?: number | string;
}) => ({
  cash: BigInt(r.cash_minor ?? 0),
  card: BigInt(r.card_minor ?? 0),
  qr: BigInt(r.qr_minor ?? 0),
});

const tenantKey = (type: string | null, id: string | null) => (type && id ? `${type}:${id}` : null);

/**
 * A sale is identified by (device_id, sale_id) (issue #16, eighth pass M-1): a sale_id is printed on
 * every receipt, so any till can push a sale under another's. A refund names only the sale_id of its
 * original, and it is resolved among the sales the refunding device may reverse: its own first, then
 * its tenant's (a customer brings a receipt back to another till of the same shop). Another
 * tenant's sale of that id is never the original: it is named so the refund is a mismatch, and it
 * counts against nothing. Two or more sales of that id among the tenant's other devices (one of them
 * is the tenant's own rogue till) resolve to none: a mismatch, for a person. A refund already
 * resolved at push (original_device_id, at posting) keeps that original.
 */
async function resolveOriginals(
  db: Queryable,
  sales: readonly RefundSubject[],
  device: Owner,
): Promise<Map<string, StoredOriginal>> {
  const ids = originalIds(sales);
  const { rows } = await db.query<StoredOriginal>(
    `SELECT t.sale_id, t.device_id, t.kind, t.currency, t.total_minor::text AS total_minor, t.status,
            t.cash_minor::text AS cash_minor, t.card_minor::text AS card_minor, t.qr_minor::text AS qr_minor,
            b.tenant_type, b.tenant_id
     FROM offline_transactions t
       JOIN offline_tx_bundles b ON b.device_id = t.device_id AND b.bundle_id = t.bundle_id
     WHERE t.sale_id = ANY($1::uuid[])`,
    [ids],
  );
  const resolved = new Map<string, StoredOriginal>();
  for (const id of ids) {
    const candidates = rows.filter((r) => r.sale_id === id);
    const pinned = sales.find((s) => s.original_sale_id === id && s.original_device_id)?.original_device_id;
    const own = candidates.find((r) => r.device_id === (pinned ?? device.device_id));
    const tenants = candidates.filter((r) => sameTenant(r, device));
    const chosen = pinned
      ? own
      : (own ??
        (tenants.length > 1 ? { ...tenants[0]!, clash: tenants.length } : tenants[0]) ??
        candidates[0]);
    if (chosen) resolved.set(id, chosen);
  }
  return resolved;
}

type Owner = { device_id: string; tenant: string | null };
const sameTenant = (row: Pick<StoredOriginal, 'tenant_type' | 'tenant_id'>, device: Owner) =>
  device.tenant !== null && tenantKey(row.tenant_type, row.tenant_id) === device.tenant;

/**
 * original_sale_id → the device whose sale it is, for each original that resolved to a sale of the
 * refunding device (in this bundle or stored) or, unambiguously, of its tenant.
 */
function originalDevices(
  sales: readonly RefundSubject[],
  stored: ReadonlyMap<string, StoredOriginal>,
  device: Owner,
): Map<string, string> {
  const inBundle = new Set(sales.map((s) => s.sale_id));
  const devices = new Map<string, string>();
  for (const id of originalIds(sales)) {
    const row = stored.get(id);
    if (inBundle.has(id)) devices.set(id, device.device_id);
    else if (row && !row.clash && (row.device_id === device.device_id || sameTenant(row, device)))
      devices.set(id, row.device_id);
  }
  return devices;
}

const pairsOf = (devices: ReadonlyMap<string, string>) =>
  [...devices].map(([id, device]) => [device, id] as const);

type Refunded = Map<string, Split & { total: bigint }>;

/**
 * Σ total_minor (and Σ by tender) of the refunds and voids already stored against each original
 * (device, sale), by status filter, keyed by the original's sale_id.
 */
async function refundedSoFar(
  db: Queryable,
  originals: readonly (readonly [device: string, saleId: string])[],
  statuses: readonly string[],
): Promise<Refunded> {
  const { rows } = await db.query<{
    original_sale_id: string;
    refunded: string;
    cash_minor: string;
    card_minor: string;
    qr_minor: string;
  }>(
    `/* citus: multi-shard: a sale may be refunded at another till */ SELECT original_sale_id, sum(total_minor)::text AS refunded, sum(cash_minor)::text AS cash_minor,
            sum(card_minor)::text AS card_minor, sum(qr_minor)::text AS qr_minor
     FROM offline_transactions
     WHERE (original_device_id, original_sale_id) IN (SELECT * FROM unnest($1::text[], $2::uuid[]))
       AND kind <> 'sale' AND status = ANY($3::text[])
     GROUP BY original_sale_id`,
    [originals.map(([device]) => device), originals.map(([, id]) => id), statuses],
  );
  return new Map(rows.map((r) => [r.original_sale_id, { total: BigInt(r.refunded), ...splitOf(r) }]));
}

/** The fields of a sale the rule reads: a pushed Sale, or a stored transaction in the worker. */
export interface RefundSubject {
  sale_id: string;
  device_id: string;
  seq: number | string;
  kind: Sale['kind'];
  original_sale_id?: string | null | undefined;
  /** At posting: the device of the original, as the push resolved it (null: none was). */
  original_device_id?: string | null | undefined;
  currency: string;
  total_minor: number | string;
  /** By tender, cash net of change (tenderSplit); absent counts as none. */
  cash_minor?: number | string;
  card_minor?: number | string;
  qr_minor?: number | string;
  override_used?: boolean;
}

interface Verdict {
  sale: RefundSubject;
  problem: 'unknown' | 'mismatch' | 'original_not_posted' | 'cash_override' | null;
  detail: string;
}

/**
 * The shared rule, for push (scoring) and posting (the worker): each refund/void in seq order
 * against its original, from this bundle or stored, with the refunds of this bundle counted as
 * they come so two refunds of one sale in one bundle cannot together exceed it.
 */
function judge(
  sales: readonly RefundSubject[],
  device: { device_id: string; tenant: string | null },
  stored: ReadonlyMap<string, StoredOriginal>,
  refunded: Refunded,
  tenders: boolean,
): Verdict[] {
  const inBundle = new Map(sales.map((s) => [s.sale_id, s]));
  const verdicts: Verdict[] = [];
  for (const sale of [...sales].sort((a, b) => Number(a.seq) - Number(b.seq))) {
    if (sale.kind === 'sale' || !sale.original_sale_id) continue;
    const id = sale.original_sale_id;
    const own = inBundle.get(id);
    const row = stored.get(id);
    const original: Original | undefined = own
      ? {
          kind: own.kind,
          currency: own.currency,
          total: BigInt(own.total_minor),
          split: splitOf(own),
          device_id: own.device_id,
          tenant: device.tenant,
          status: 'in_bundle',
        }
      : row && {
          kind: row.kind,
          currency: row.currency,
          total: BigInt(row.total_minor),
          split: splitOf(row),
          device_id: row.device_id,
          tenant: tenantKey(row.tenant_type, row.tenant_id),
          status: row.status,
        };
    const verdict = (problem: Verdict['problem'], detail: string) =>
      verdicts.push({ sale, problem, detail: `${sale.kind} ${sale.sale_id}: ${detail}` });
    if (!original) {
      verdict('unknown', `original ${id} is not held by the server`);
      continue;
    }
    const sameOwner =
      original.device_id === device.device_id ||
      (device.tenant !== null && original.tenant === device.tenant);
    if (!sameOwner) verdict('mismatch', `original ${id} belongs to another tenant`);
    else if (row?.clash && !own)
      verdict('mismatch', `original ${id} is held by ${row.clash} terminals of the tenant`);
    else if (original.kind !== 'sale')
      verdict('mismatch', `original ${id} is a ${original.kind}, not a sale`);
    else if (original.status === 'rejected') verdict('mismatch', `original ${id} was rejected`);
    else if (original.currency !== sale.currency)
      verdict('mismatch', `currency ${sale.currency} differs from the original's ${original.currency}`);
    else {
      const before = refunded.get(id) ?? NOTHING;
      const remaining = original.total - before.total;
      if (BigInt(sale.total_minor) > remaining)
        verdict(
          'mismatch',
          `${sale.total_minor} exceeds the ${remaining < 0n ? 0n : remaining} left of original ${id} (${original.total})`,
        );
      else {
        const back = splitOf(sale);
        refunded.set(id, {
          total: before.total + BigInt(sale.total_minor),
          cash: before.cash + back.cash,
          card: before.card + back.card,
          qr: before.qr + back.qr,
        });
        for (const type of tenders ? TENDER_TYPES : []) {
          const left = original.split[type] - before[type];
          if (back[type] <= left) continue;
          const detail = `${back[type]} back in ${type} exceeds the ${left < 0n ? 0n : left} in ${type} original ${id} took`;
          if (type !== 'cash') verdict('mismatch', detail);
          else if (sale.override_used)
            verdict('cash_override', `${detail}, on the terminal's manager override`);
          else verdict('mismatch', `${detail}, without a manager override`);
        }
        if (original.status !== 'reconciled' && original.status !== 'in_bundle')
          verdict('original_not_posted', `original ${id} is ${original.status}`);
      }
    }
  }
  return verdicts;
}

const originalIds = (sales: readonly RefundSubject[]) => [
  ...new Set(sales.flatMap((s) => (s.kind !== 'sale' && s.original_sale_id ? [s.original_sale_id] : []))),
];

const joinDetails = (vs: readonly Verdict[]) => {
  const shown = vs.slice(0, 3).map((v) => v.detail);
  return (vs.length > 3 ? [...shown, `and ${vs.length - 3} more`] : shown).join('; ');
};

/**
 * At push: refunds count against every stored refund of the original that is not rejected (held
 * ones included: they may still be approved). No query at all for a bundle without refunds.
 */
export async function checkRefunds(
  db: Queryable,
  sales: readonly Sale[],
  device: { device_id: string; tenant_type: string | null; tenant_id: string | null },
): Promise<RefundFindings> {
  const ids = originalIds(sales);
  if (ids.length === 0) return { unknownOriginal: null, mismatch: null, cashOverride: null };
  const owner = { device_id: device.device_id, tenant: tenantKey(device.tenant_type, device.tenant_id) };
  const stored = await resolveOriginals(db, sales, owner);
  const resolved = originalDevices(sales, stored, owner);
  const refunded = await refundedSoFar(db, pairsOf(resolved), ['pending', 'reconciled', 'held']);
  const subjects = sales.map((s) => {
    const split = tenderSplit(s);
    return {
      ...s,
      cash_minor: split.cash.toString(),
      card_minor: split.card.toString(),
      qr_minor: split.qr.toString(),
      override_used: s.override !== undefined,
    };
  });
  const verdicts = judge(subjects, owner, stored, refunded, true);
  const found = (problem: Verdict['problem']) => {
    const vs = verdicts.filter((v) => v.problem === problem);
    return vs.length > 0 ? joinDetails(vs) : null;
  };
  return {
    unknownOriginal: found('unknown'),
    mismatch: found('mismatch'),
    cashOverride: found('cash_override'),
    originalDevices: resolved,
  };
}

// Any fixed number; the second key is the original's hash, so two workers posting refunds of one
// sale take turns while refunds of different sales do not wait for each other.
const REFUND_LOCK_CLASS = 0x52_46_4e_44;
/** A signed 32-bit key from the uuid's first 8 hex digits; a collision only makes two wait. */
const lockKey = (uuid: string) => Number.parseInt(uuid.slice(0, 8), 16) | 0;

export type PostingCheck =
  | { ok: true; wait?: undefined; hold?: undefined; originalDevices?: ReadonlyMap<string, string> }
  /** An original is stored but not posted yet: try the bundle again later. */
  | { ok: false; wait: string; hold?: undefined }
  /** Posting would break the rule: the bundle goes back to review, nothing is posted. */
  | { ok: false; hold: string; wait?: undefined };

/**
 * At posting, inside the worker's transaction: locks each original (advisory, in a fixed order so
 * two workers cannot deadlock), then counts only what is already in the ledger. This
 * is what makes a double refund impossible even when two terminals of a tenant refund the same
 * sale at once, or ops approve a flagged refund. When it may post, `originalDevices` says whose sale
 * each original is (as the push resolved it, or resolved now for one the server did not hold then).
 */
export async function postingCheck(
  db: Queryable,
  sales: readonly RefundSubject[],
  device: { device_id: string; tenant_type: string | null; tenant_id: string | null },
): Promise<PostingCheck> {
  const ids = originalIds(sales);
  if (ids.length === 0) return { ok: true };
  // One statement per key, in ascending order: the order two workers lock in is the same.
  const keys = [...new Set(ids.map(lockKey))].sort((a, b) => a - b);
  for (const key of keys) await db.query('SELECT pg_advisory_xact_lock($1, $2)', [REFUND_LOCK_CLASS, key]);
  const owner = { device_id: device.device_id, tenant: tenantKey(device.tenant_type, device.tenant_id) };
  const stored = await resolveOriginals(db, sales, owner);
  const resolved = originalDevices(sales, stored, owner);
  const refunded = await refundedSoFar(db, pairsOf(resolved), ['reconciled']);
  const verdicts = judge(sales, owner, stored, refunded, false);
  const hold = verdicts.filter((v) => v.problem === 'unknown' || v.problem === 'mismatch');
  if (hold.length > 0) return { ok: false, hold: joinDetails(hold) };
  const wait = verdicts.filter((v) => v.problem === 'original_not_posted');
  if (wait.length > 0) return { ok: false, wait: joinDetails(wait) };
  return { ok: true, originalDevices: resolved };
}
