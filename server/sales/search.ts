import { minorUnitExponent } from '../../protocol/money';
import {
  SALES_EXPORT_MAX_ROWS,
  SalesErrorCode,
  type SaleRecord,
  type SalesFilter,
  type SalesPage,
  type SalesQuery,
} from '../../protocol/http';
import { escapeFormula, writeCsv } from '../catalog/csv';
import type { Queryable } from '../db/tx';
import { CURSOR_ID, decodeCursor, encodeCursor, fromMicros, inTimeZone, micros, salesError } from './query';

/**
 * The back office's sales search and its CSV export (issue #19, item 8). A sale is named by its
 * device and its sale id together (never the sale id alone: two tills may one day hold the same).
 */

interface SaleRow {
  device_id: string;
  sale_id: string;
  seq: string;
  bundle_id: string;
  kind: SaleRecord['kind'];
  original_sale_id: string | null;
  status: SaleRecord['status'];
  currency: string;
  total_minor: string;
  tax_minor: string;
  cash_minor: string;
  card_minor: string;
  qr_minor: string;
  cashier_id: string | null;
  created_at: Date;
  online: boolean;
  override_used: boolean;
  reconciled_at: Date | null;
  key_us: string;
  till_name: string | null;
}

export const SALE_COLUMNS = `t.device_id, t.sale_id, t.seq::text AS seq, t.bundle_id, t.kind, t.original_sale_id,
  t.status, t.currency, t.total_minor::text AS total_minor, t.tax_minor::text AS tax_minor,
  t.cash_minor::text AS cash_minor, t.card_minor::text AS card_minor, t.qr_minor::text AS qr_minor,
  t.cashier_id, t.created_at, t.online, t.override_used, t.reconciled_at, ${micros('t.created_at')} AS key_us,
  d.name AS till_name`;
export const SALE_FROM = `offline_transactions t LEFT JOIN offline_devices d ON d.device_id = t.device_id`;

export function toSale(r: SaleRow): SaleRecord {
  return {
    device_id: r.device_id,
    sale_id: r.sale_id,
    seq: Number(r.seq),
    bundle_id: r.bundle_id,
    kind: r.kind,
    original_sale_id: r.original_sale_id,
    status: r.status,
    currency: r.currency,
    total_minor: Number(r.total_minor),
    tax_minor: Number(r.tax_minor),
    cash_minor: Number(r.cash_minor),
    card_minor: Number(r.card_minor),
    qr_minor: Number(r.qr_minor),
    cashier_id: r.cashier_id,
    created_at: r.created_at.toISOString(),
    online: r.online,
    override_used: r.override_used,
    reconciled_at: r.reconciled_at?.toISOString() ?? null,
  };
}

/** The WHERE clause of a filter, with its parameters (days are bounded in `tz`). */
function where(filter: SalesFilter): { sql: string[]; values: unknown[] } {
  const sql: string[] = [];
  const values: unknown[] = [];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  if (filter.device_id !== undefined) sql.push(`t.device_id = ${param(filter.device_id)}`);
  if (filter.cashier_id !== undefined) sql.push(`t.cashier_id = ${param(filter.cashier_id)}`);
  if (filter.from !== undefined || filter.to !== undefined) {
    const tz = param(filter.tz);
    if (filter.from !== undefined)
      sql.push(`t.created_at >= (${param(filter.from)}::date)::timestamp AT TIME ZONE ${tz}`);
    if (filter.to !== undefined)
      sql.push(`t.created_at < (${param(filter.to)}::date + 1)::timestamp AT TIME ZONE ${tz}`);
  }
  if (filter.status !== undefined) sql.push(`t.status = ${param(filter.status)}`);
  if (filter.kind !== undefined) sql.push(`t.kind = ${param(filter.kind)}`);
  if (filter.currency !== undefined) sql.push(`t.currency = ${param(filter.currency)}`);
  if (filter.min_minor !== undefined) sql.push(`t.total_minor >= ${param(filter.min_minor)}`);
  if (filter.max_minor !== undefined) sql.push(`t.total_minor <= ${param(filter.max_minor)}`);
  return { sql, values };
}

/** One page, newest first, keyset-paged on (created_at, device_id, sale_id). */
export async function searchSales(db: Queryable, query: SalesQuery): Promise<SalesPage> {
  const { sql, values } = where(query);
  if (query.cursor !== undefined) {
    const [us, device, sale] = decodeCursor(query.cursor, CURSOR_ID.device, CURSOR_ID.uuid);
    values.push(us, device, sale);
    const n = values.length;
    sql.push(`(t.created_at, t.device_id, t.sale_id) < (${fromMicros(`$${n - 2}`)}, $${n - 1}, $${n}::uuid)`);
  }
  values.push(query.limit + 1);
  const { rows } = await inTimeZone(query.tz, () =>
    db.query<SaleRow>(
      `SELECT ${SALE_COLUMNS} FROM ${SALE_FROM} ${sql.length ? `WHERE ${sql.join(' AND ')}` : ''}
       ORDER BY t.created_at DESC, t.device_id DESC, t.sale_id DESC LIMIT $${values.length}`,
      values,
    ),
  );
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    sales: page.map(toSale),
    next_cursor:
      rows.length > query.limit && last ? encodeCursor(last.key_us, last.device_id, last.sale_id) : null,
  };
}

/** Minor units as a decimal of the currency (XOF 1500 → "1500", EUR 1250 → "12.50"), exactly. */
export function decimal(minor: string, currency: string): string {
  const exponent = minorUnitExponent(currency);
  if (exponent === 0) return minor;
  const digits = minor.padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

export const EXPORT_HEADER = [
  'created_at',
  'device_id',
  'till_name',
  'seq',
  'sale_id',
  'kind',
  'original_sale_id',
  'status',
  'currency',
  'total_minor',
  'total',
  'tax_minor',
  'cash_minor',
  'card_minor',
  'qr_minor',
  'cashier_id',
  'bundle_id',
];

/**
 * The CSV of a search, oldest first. Every text cell goes through escapeFormula: a cashier id or a
 * till name starting with `=`, `+`, `-`, `@` is written with a leading `'`, so a spreadsheet shows
 * it instead of running it.
 */
export async function exportSales(db: Queryable, filter: SalesFilter): Promise<string> {
  const { sql, values } = where(filter);
  values.push(SALES_EXPORT_MAX_ROWS + 1);
  const { rows } = await inTimeZone(filter.tz, () =>
    db.query<SaleRow>(
      `SELECT ${SALE_COLUMNS} FROM ${SALE_FROM} ${sql.length ? `WHERE ${sql.join(' AND ')}` : ''}
       ORDER BY t.created_at, t.device_id, t.sale_id LIMIT $${values.length}`,
      values,
    ),
  );
  if (rows.length > SALES_EXPORT_MAX_ROWS)
    throw salesError(
      SalesErrorCode.EXPORT_TOO_LARGE,
      `More than ${SALES_EXPORT_MAX_ROWS} sales match: narrow the search`,
      { max: SALES_EXPORT_MAX_ROWS },
    );
  const lines = rows.map((r) =>
    [
      r.created_at.toISOString(),
      r.device_id,
      r.till_name ?? '',
      r.seq,
      r.sale_id,
      r.kind,
      r.original_sale_id ?? '',
      r.status,
      r.currency,
      r.total_minor,
      decimal(r.total_minor, r.currency),
      r.tax_minor,
      r.cash_minor,
      r.card_minor,
      r.qr_minor,
      r.cashier_id ?? '',
      r.bundle_id,
    ].map(escapeFormula),
  );
  return writeCsv([EXPORT_HEADER, ...lines]);
}
