import type { Sale } from '../../protocol/bundle';
import type { Queryable } from '../db/tx';

/**
 * Refunds and voids against their original sale. A refund or void is signed evidence like any
 * sale, so a bad one is stored and flagged (score reasons), never refused: ops see it in review.
 * The ledger's own guard is in the worker (postingCheck below): whatever ops decide, a refund is
 * posted only against a posted original and only up to what remains of it.
 */

export interface StoredOriginal {
  sale_id: string;
  device_id: string;
  kind: Sale['kind'];
  currency: string;
  total_minor: string;
  status: 'pending' | 'reconciled' | 'held' | 'rejected';
  tenant_type: string | null;
  tenant_id: string | null;
}

/** What a refund or void needs to know about the sale it reverses. */
interface Original {
  kind: Sale['kind'];
  currency: string;
  total: bigint;
  device_id: string;
  tenant: string | null;
  status: StoredOriginal['status'] | 'in_bundle';
}

export interface RefundFindings {
  /** Refunds/voids whose original the server does not hold (for this device or its tenant). */
  unknownOriginal: string | null;
  /** Other currency, an original that is not a sale or was rejected, or more than remains. */
  mismatch: string | null;
}

const tenantKey = (type: string | null, id: string | null) => (type && id ? `${type}:${id}` : null);

async function storedOriginals(db: Queryable, ids: readonly string[]): Promise<Map<string, StoredOriginal>> {
  const { rows } = await db.query<StoredOriginal>(
    `SELECT t.sale_id, t.device_id, t.kind, t.currency, t.total_minor::text AS total_minor, t.status,
            b.tenant_type, b.tenant_id
     FROM offline_transactions t JOIN offline_tx_bundles b ON b.bundle_id = t.bundle_id
     WHERE t.sale_id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.sale_id, r]));
}

/** Σ total_minor of the refunds and voids already stored against each original, by status filter. */
async function refundedSoFar(
  db: Queryable,
  ids: readonly string[],
  statuses: readonly string[],
): Promise<Map<string, bigint>> {
  const { rows } = await db.query<{ original_sale_id: string; refunded: string }>(
    `SELECT original_sale_id, sum(total_minor)::text AS refunded FROM offline_transactions
     WHERE original_sale_id = ANY($1::uuid[]) AND kind <> 'sale' AND status = ANY($2::text[])
     GROUP BY original_sale_id`,
    [ids, statuses],
  );
  return new Map(rows.map((r) => [r.original_sale_id, BigInt(r.refunded)]));
}

/** The fields of a sale the rule reads: a pushed Sale, or a stored transaction in the worker. */
export interface RefundSubject {
  sale_id: string;
  device_id: string;
  seq: number | string;
  kind: Sale['kind'];
  original_sale_id?: string | null | undefined;
  currency: string;
  total_minor: number | string;
}

interface Verdict {
  sale: RefundSubject;
  problem: 'unknown' | 'mismatch' | 'original_not_posted' | null;
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
  refunded: Map<string, bigint>,
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
          device_id: own.device_id,
          tenant: device.tenant,
          status: 'in_bundle',
        }
      : row && {
          kind: row.kind,
          currency: row.currency,
          total: BigInt(row.total_minor),
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
    else if (original.kind !== 'sale')
      verdict('mismatch', `original ${id} is a ${original.kind}, not a sale`);
    else if (original.status === 'rejected') verdict('mismatch', `original ${id} was rejected`);
    else if (original.currency !== sale.currency)
      verdict('mismatch', `currency ${sale.currency} differs from the original's ${original.currency}`);
    else {
      const before = refunded.get(id) ?? 0n;
      const remaining = original.total - before;
      if (BigInt(sale.total_minor) > remaining)
        verdict(
          'mismatch',
          `${sale.total_minor} exceeds the ${remaining < 0n ? 0n : remaining} left of original ${id} (${original.total})`,
        );
      else {
        refunded.set(id, before + BigInt(sale.total_minor));
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
  if (ids.length === 0) return { unknownOriginal: null, mismatch: null };
  const stored = await storedOriginals(db, ids);
  const refunded = await refundedSoFar(db, ids, ['pending', 'reconciled', 'held']);
  const verdicts = judge(
    sales,
    { device_id: device.device_id, tenant: tenantKey(device.tenant_type, device.tenant_id) },
    stored,
    refunded,
  );
  const unknown = verdicts.filter((v) => v.problem === 'unknown');
  const mismatch = verdicts.filter((v) => v.problem === 'mismatch');
  return {
    unknownOriginal: unknown.length > 0 ? joinDetails(unknown) : null,
    mismatch: mismatch.length > 0 ? joinDetails(mismatch) : null,
  };
}

// Any fixed number; the second key is the original's hash, so two workers posting refunds of one
// sale take turns while refunds of different sales do not wait for each other.
const REFUND_LOCK_CLASS = 0x52_46_4e_44;
/** A signed 32-bit key from the uuid's first 8 hex digits; a collision only makes two wait. */
const lockKey = (uuid: string) => Number.parseInt(uuid.slice(0, 8), 16) | 0;

export type PostingCheck =
  | { ok: true; wait?: undefined; hold?: undefined }
  /** An original is stored but not posted yet: try the bundle again later. */
  | { ok: false; wait: string; hold?: undefined }
  /** Posting would break the rule: the bundle goes back to review, nothing is posted. */
  | { ok: false; hold: string; wait?: undefined };

/**
 * At posting, inside the worker's transaction: locks each original (advisory, in a fixed order so
 * two workers cannot deadlock), then counts only what is already in the ledger. This
 * is what makes a double refund impossible even when two terminals of a tenant refund the same
 * sale at once, or ops approve a flagged refund.
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
  const stored = await storedOriginals(db, ids);
  const refunded = await refundedSoFar(db, ids, ['reconciled']);
  const verdicts = judge(
    sales,
    { device_id: device.device_id, tenant: tenantKey(device.tenant_type, device.tenant_id) },
    stored,
    refunded,
  );
  const hold = verdicts.filter((v) => v.problem === 'unknown' || v.problem === 'mismatch');
  if (hold.length > 0) return { ok: false, hold: joinDetails(hold) };
  const wait = verdicts.filter((v) => v.problem === 'original_not_posted');
  if (wait.length > 0) return { ok: false, wait: joinDetails(wait) };
  return { ok: true };
}
