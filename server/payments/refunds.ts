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

async function storedOriginals(db: Queryable, ids: readonly string[]): Promise<Map<string, StoredOriginal>> {
  const { rows } = await db.query<StoredOriginal>(
    `SELECT t.sale_id, t.device_id, t.kind, t.currency, t.total_minor::text AS total_minor, t.status,
            t.cash_minor::text AS cash_minor, t.card_minor::text AS card_minor, t.qr_minor::text AS qr_minor,
            b.tenant_type, b.tenant_id
     FROM offline_transactions t JOIN offline_tx_bundles b ON b.bundle_id = t.bundle_id
     WHERE t.sale_id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((r) => [r.sale_id, r]));
}

type Refunded = Map<string, Split & { total: bigint }>;

/**
 * Σ total_minor (and Σ by tender) of the refunds and voids already stored against each original,
 * by status filter.
 */
async function refundedSoFar(
  db: Queryable,
  ids: readonly string[],
  statuses: readonly string[],
): Promise<Refunded> {
  const { rows } = await db.query<{
    original_sale_id: string;
    refunded: string;
    cash_minor: string;
    card_minor: string;
    qr_minor: string;
  }>(
    `SELECT original_sale_id, sum(total_minor)::text AS refunded, sum(cash_minor)::text AS cash_minor,
            sum(card_minor)::text AS card_minor, sum(qr_minor)::text AS qr_minor
     FROM offline_transactions
     WHERE original_sale_id = ANY($1::uuid[]) AND kind <> 'sale' AND status = ANY($2::text[])
     GROUP BY original_sale_id`,
    [ids, statuses],
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
  const stored = await storedOriginals(db, ids);
  const refunded = await refundedSoFar(db, ids, ['pending', 'reconciled', 'held']);
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
  const verdicts = judge(
    subjects,
    { device_id: device.device_id, tenant: tenantKey(device.tenant_type, device.tenant_id) },
    stored,
    refunded,
    true,
  );
  const found = (problem: Verdict['problem']) => {
    const vs = verdicts.filter((v) => v.problem === problem);
    return vs.length > 0 ? joinDetails(vs) : null;
  };
  return {
    unknownOriginal: found('unknown'),
    mismatch: found('mismatch'),
    cashOverride: found('cash_override'),
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
    false,
  );
  const hold = verdicts.filter((v) => v.problem === 'unknown' || v.problem === 'mismatch');
  if (hold.length > 0) return { ok: false, hold: joinDetails(hold) };
  const wait = verdicts.filter((v) => v.problem === 'original_not_posted');
  if (wait.length > 0) return { ok: false, wait: joinDetails(wait) };
  return { ok: true };
}
