import type { Takings, TakingsRow } from '../../protocol/http';
import type { Queryable } from '../db/tx';
import { checkTimeZone, inTimeZone } from './query';

/**
 * One day's takings (issue #19, item 8): the money of the sales the server accepted (pending or
 * reconciled), per till, cashier, tender and currency. A refund's or void's tenders are the money
 * given back: they are shown, and netted. Sums are exact in PostgreSQL (numeric) and bigint here,
 * answered as decimal text: a till signs its own totals, and held or rejected sales of absurd
 * amounts are summed too, so a sum may pass 2^53 − 1 and must still answer, exactly (#16, red-team
 * pass 10 L-2: it was a 500 for the day). Each currency stays its own.
 */

const COUNTED = `t.status IN ('pending', 'reconciled')`;

export async function dailyTakings(
  db: Queryable,
  query: { day: string; tz: string; device_id?: string | undefined },
): Promise<Takings> {
  checkTimeZone(query.tz);
  const values: unknown[] = [query.day, query.tz];
  const device = query.device_id === undefined ? '' : `AND t.device_id = $${values.push(query.device_id)}`;
  const day = `t.created_at >= ($1::date)::timestamp AT TIME ZONE $2
    AND t.created_at < ($1::date + 1)::timestamp AT TIME ZONE $2 ${device}`;
  return inTimeZone(query.tz, async () => {
    const bounds = await db.query<{ lo: Date; hi: Date }>(
      `SELECT ($1::date)::timestamp AT TIME ZONE $2 AS lo, ($1::date + 1)::timestamp AT TIME ZONE $2 AS hi`,
      [query.day, query.tz],
    );
    const { rows } = await db.query<{
      device_id: string;
      till_name: string | null;
      cashier_id: string | null;
      tender: TakingsRow['tender'];
      currency: string;
      sales_count: number;
      sales_minor: string;
      refunds_count: number;
      refunds_minor: string;
    }>(
      `SELECT t.device_id, min(d.name) AS till_name, t.cashier_id, x.tender, t.currency,
         count(*) FILTER (WHERE t.kind = 'sale')::int AS sales_count,
         coalesce(sum(x.amount) FILTER (WHERE t.kind = 'sale'), 0)::text AS sales_minor,
         count(*) FILTER (WHERE t.kind <> 'sale')::int AS refunds_count,
         coalesce(sum(x.amount) FILTER (WHERE t.kind <> 'sale'), 0)::text AS refunds_minor
       FROM offline_transactions t
       CROSS JOIN LATERAL (VALUES ('cash', t.cash_minor), ('card', t.card_minor), ('qr', t.qr_minor)) x (tender, amount)
       LEFT JOIN offline_devices d ON d.device_id = t.device_id
       WHERE ${COUNTED} AND x.amount > 0 AND ${day}
       GROUP BY t.device_id, t.cashier_id, x.tender, t.currency
       ORDER BY t.device_id, t.cashier_id NULLS FIRST, t.currency, array_position(ARRAY['cash', 'card', 'qr'], x.tender)`,
      values,
    );
    const excluded = await db.query<{
      status: 'held' | 'rejected';
      currency: string;
      count: number;
      total: string;
    }>(
      `/* citus: multi-shard: an operator report */ SELECT t.status, t.currency, count(*)::int AS count, sum(t.total_minor)::text AS total
       FROM offline_transactions t WHERE t.status IN ('held', 'rejected') AND ${day}
       GROUP BY t.status, t.currency ORDER BY t.status, t.currency`,
      values,
    );
    const byCurrency = new Map<string, { sales: bigint; refunds: bigint }>();
    const out = rows.map((r): TakingsRow => {
      const sales = BigInt(r.sales_minor);
      const refunds = BigInt(r.refunds_minor);
      const total = byCurrency.get(r.currency) ?? { sales: 0n, refunds: 0n };
      byCurrency.set(r.currency, { sales: total.sales + sales, refunds: total.refunds + refunds });
      return {
        device_id: r.device_id,
        till_name: r.till_name,
        cashier_id: r.cashier_id,
        tender: r.tender,
        currency: r.currency,
        sales_count: r.sales_count,
        sales_minor: r.sales_minor,
        refunds_count: r.refunds_count,
        refunds_minor: r.refunds_minor,
        net_minor: (sales - refunds).toString(),
      };
    });
    return {
      day: query.day,
      tz: query.tz,
      from: bounds.rows[0]!.lo.toISOString(),
      to: bounds.rows[0]!.hi.toISOString(),
      rows: out,
      totals: [...byCurrency]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([currency, t]) => ({
          currency,
          sales_minor: t.sales.toString(),
          refunds_minor: t.refunds.toString(),
          net_minor: (t.sales - t.refunds).toString(),
        })),
      not_counted: excluded.rows.map((r) => ({
        status: r.status,
        currency: r.currency,
        count: r.count,
        total_minor: r.total,
      })),
    };
  });
}
