import type { Sale } from '../../protocol/bundle';
import {
  PAYMENT_ERROR_STATUS,
  PaymentErrorCode,
  type BundleStatus,
  type BundleStatusResponse,
  type ReviewItem,
  type ScoreReason,
} from '../../protocol/http';
import type { Queryable } from '../db/tx';
import { HttpError } from '../http/errors';
import type { StoredReason } from './bundle-states';

export interface BundleRow {
  bundle_id: string;
  device_id: string;
  tenant_type: string | null;
  tenant_id: string | null;
  signature: string;
  seq_from: string;
  seq_to: string;
  prev_chain_head: string;
  chain_head: string;
  status: BundleStatus;
  sira_score: number;
  /** With their origin where one is recorded (bundle-states.ts); answers drop it. */
  reasons: StoredReason[];
  tx_count: number;
  totals: { currency: string; total_minor: number }[];
  push_answer: PushAnswer;
  received_at: Date;
  updated_at: Date;
  reconciled_at: Date | null;
}

/** The part of a push answer that is stored and replayed to duplicates. */
export interface PushAnswer {
  status: 'accepted' | 'review' | 'quarantined';
  sira_score: number;
  reasons: ScoreReason[];
  transactions_count: number;
}

export const BUNDLE_COLUMNS = `bundle_id, device_id, tenant_type, tenant_id, signature, seq_from, seq_to,
  prev_chain_head, chain_head, status, sira_score, reasons, tx_count, totals, push_answer, received_at,
  updated_at, reconciled_at`;

/**
 * A bundle is (device_id, bundle_id) (migration 1796489050606): bundle_id alone names one only as
 * long as a single device used it. Without the device (an ops reviewer's link that has only the id)
 * an id two devices pushed answers 409 BUNDLE_AMBIGUOUS rather than either device's bundle.
 */
export interface BundleKey {
  bundleId: string;
  deviceId?: string | undefined;
}

export async function findBundle(
  db: Queryable,
  key: BundleKey,
  lock = false,
): Promise<BundleRow | undefined> {
  const forUpdate = lock ? ' FOR UPDATE' : '';
  const { rows } = await (key.deviceId === undefined
    ? db.query<BundleRow>(
        `/* citus: multi-shard: the console looks a bundle up by its id alone */ SELECT ${BUNDLE_COLUMNS} FROM offline_tx_bundles WHERE bundle_id = $1 LIMIT 2${forUpdate}`,
        [key.bundleId],
      )
    : db.query<BundleRow>(
        `SELECT ${BUNDLE_COLUMNS} FROM offline_tx_bundles WHERE device_id = $1 AND bundle_id = $2${forUpdate}`,
        [key.deviceId, key.bundleId],
      ));
  if (rows.length > 1) throw bundleAmbiguous();
  return rows[0];
}

export const bundleAmbiguous = () =>
  new HttpError(
    PAYMENT_ERROR_STATUS.BUNDLE_AMBIGUOUS,
    PaymentErrorCode.BUNDLE_AMBIGUOUS,
    'More than one device pushed a bundle under this bundle_id: name the device_id',
  );

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Exact sums of amounts; a signed sale can hold values whose float sum would round. */
export function sumMinor(values: Iterable<number>): bigint {
  let acc = 0n;
  for (const v of values) acc += BigInt(v);
  return acc;
}
/** For response fields limited to safe integers: saturate instead of failing the answer. */
export function saturate(value: bigint): number {
  return Number(value > MAX_SAFE ? MAX_SAFE : value < 0n ? 0n : value);
}

export function saleTotals(sales: readonly Sale[]): { currency: string; total_minor: number }[] {
  const byCurrency = new Map<string, bigint>();
  for (const s of sales)
    if (s.kind === 'sale')
      byCurrency.set(s.currency, (byCurrency.get(s.currency) ?? 0n) + BigInt(s.total_minor));
  return [...byCurrency]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, total]) => ({ currency, total_minor: saturate(total) }));
}

/** Net money per tender type; cash is what was handed over minus change, never below zero. */
export function tenderSplit(sale: Sale): { cash: bigint; card: bigint; qr: bigint } {
  let cash = 0n;
  let card = 0n;
  let qr = 0n;
  for (const t of sale.tenders) {
    if (t.type === 'cash') cash += BigInt(t.amount_minor) - BigInt(t.change_minor ?? 0);
    else if (t.type === 'card') card += BigInt(t.amount_minor);
    else qr += BigInt(t.amount_minor);
  }
  return { cash: cash < 0n ? 0n : cash, card, qr };
}

export function saleTax(sale: Sale): bigint {
  return sumMinor(sale.lines.map((l) => l.tax_minor));
}

interface TxRow {
  sale_id: string;
  seq: string;
  kind: 'sale' | 'refund' | 'void';
  currency: string;
  total_minor: string;
  created_at: Date;
  status: 'pending' | 'reconciled' | 'held' | 'rejected';
}

/** The BundleStatusResponse of a stored bundle. */
export async function bundleView(db: Queryable, row: BundleRow): Promise<BundleStatusResponse> {
  const { rows } = await db.query<TxRow>(
    `SELECT sale_id, seq, kind, currency, total_minor, created_at, status
     FROM offline_transactions WHERE device_id = $1 AND bundle_id = $2 ORDER BY seq`,
    [row.device_id, row.bundle_id],
  );
  return {
    success: true,
    bundle: {
      bundle_id: row.bundle_id,
      device_id: row.device_id,
      status: row.status,
      sira_score: row.sira_score,
      reasons: row.reasons,
      tx_count: row.tx_count,
      totals: row.totals,
      received_at: row.received_at.toISOString(),
      reconciled_at: row.reconciled_at?.toISOString() ?? null,
      transactions: rows.map((t) => ({
        sale_id: t.sale_id,
        seq: Number(t.seq),
        kind: t.kind,
        currency: t.currency,
        total_minor: saturate(BigInt(t.total_minor)),
        created_at: t.created_at.toISOString(),
        status: t.status,
      })),
    },
  };
}

export function reviewItem(row: BundleRow): ReviewItem {
  return {
    bundle_id: row.bundle_id,
    device_id: row.device_id,
    status: row.status as ReviewItem['status'],
    sira_score: row.sira_score,
    reasons: row.reasons,
    tx_count: row.tx_count,
    totals: row.totals,
    received_at: row.received_at.toISOString(),
  };
}

/**
 * A bundle's sales as column arrays, in TRANSACTION_COLUMNS order, for an INSERT … SELECT from
 * transactionUnnest(first): one statement for the whole bundle, for speed with 500 sales.
 */
export function transactionArrays(
  sales: readonly Sale[],
  hashes: readonly string[],
  invalid: ReadonlySet<string>,
): unknown[] {
  const cols = {
    sale_id: [] as string[],
    seq: [] as number[],
    kind: [] as string[],
    original: [] as (string | null)[],
    currency: [] as string[],
    total: [] as string[],
    tax: [] as string[],
    cash: [] as string[],
    card: [] as string[],
    qr: [] as string[],
    created_at: [] as string[],
    online: [] as boolean[],
    override: [] as boolean[],
    invalid: [] as boolean[],
    hash: [] as string[],
    cashier: [] as (string | null)[],
  };
  sales.forEach((s, i) => {
    const split = tenderSplit(s);
    cols.sale_id.push(s.sale_id);
    cols.seq.push(s.seq);
    cols.kind.push(s.kind);
    cols.original.push(s.original_sale_id ?? null);
    cols.currency.push(s.currency);
    cols.total.push(String(s.total_minor));
    cols.tax.push(saleTax(s).toString());
    cols.cash.push(split.cash.toString());
    cols.card.push(split.card.toString());
    cols.qr.push(split.qr.toString());
    cols.created_at.push(s.created_at);
    cols.online.push(s.online);
    cols.override.push(s.override !== undefined);
    cols.invalid.push(invalid.has(s.sale_id));
    cols.hash.push(hashes[i]!);
    cols.cashier.push(s.cashier_id ?? null);
  });
  return Object.values(cols);
}

export const TRANSACTION_COLUMNS = `sale_id, seq, kind, original_sale_id, currency, total_minor, tax_minor,
  cash_minor, card_minor, qr_minor, created_at, online, override_used, invalid, sale_hash, cashier_id`;

const ARRAY_TYPES =
  'uuid bigint text uuid text bigint bigint bigint bigint bigint timestamptz boolean boolean boolean text text'.split(
    ' ',
  );

/**
 * `unnest($first::uuid[], …)` for transactionArrays' 16 parameters starting at $first, then `extra`
 * arrays (columns the caller lists after TRANSACTION_COLUMNS).
 */
export function transactionUnnest(first: number, ...extra: string[]): string {
  return `unnest(${[...ARRAY_TYPES.map((t, i) => `$${first + i}::${t}[]`), ...extra].join(', ')})`;
}
