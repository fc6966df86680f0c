import type { LedgerCheckResult } from '../../protocol/http';
import type { Queryable } from '../db/tx';

/**
 * The ledger's balance check as the back office runs it (issue #19, item 8): Σ debits = Σ credits
 * per currency and per sale, and no orphans either way. A sale is its device and sale id together
 * (every ledger entry names both), posted under the bundle that carried it. Run in one REPEATABLE READ transaction (the caller's), so the
 * four answers describe the same moment.
 */

const SAMPLE = 100;

export async function runLedgerCheck(db: Queryable): Promise<LedgerCheckResult> {
  const currencies = await db.query<{ currency: string; debit: string; credit: string; n: string }>(
    `/* citus: multi-shard: the ledger check spans every device */ SELECT currency, sum(debit_minor)::text AS debit, sum(credit_minor)::text AS credit, count(*)::text AS n
     FROM ledger_entries GROUP BY currency ORDER BY currency`,
  );
  const unbalanced = await db.query<{ device_id: string; sale_id: string; total: number }>(
    `/* citus: multi-shard: the ledger check spans every device */ SELECT l.device_id, l.sale_id, count(*) OVER ()::int AS total
     FROM ledger_entries l
     GROUP BY l.device_id, l.sale_id
     HAVING sum(l.debit_minor) <> sum(l.credit_minor) OR count(DISTINCT l.currency) > 1
     ORDER BY l.device_id, l.sale_id LIMIT ${SAMPLE}`,
  );
  const withoutSale = await db.query<{ bundle_id: string; sale_id: string; total: number }>(
    `SELECT l.bundle_id, l.sale_id, count(*) OVER ()::int AS total
     FROM ledger_entries l
     WHERE NOT EXISTS (
       SELECT 1 FROM offline_transactions t
       WHERE t.bundle_id = l.bundle_id AND t.device_id = l.device_id AND t.sale_id = l.sale_id)
     GROUP BY l.bundle_id, l.sale_id ORDER BY l.bundle_id, l.sale_id LIMIT ${SAMPLE}`,
  );
  // A sale of nothing paid with nothing has no legs (ledger.ts drops zero legs): not an orphan.
  const withoutEntries = await db.query<{ device_id: string; sale_id: string; total: number }>(
    `SELECT t.device_id, t.sale_id, count(*) OVER ()::int AS total
     FROM offline_transactions t
     WHERE t.status = 'reconciled' AND t.total_minor + t.cash_minor + t.card_minor + t.qr_minor > 0
       AND NOT EXISTS (SELECT 1 FROM ledger_entries l
                       WHERE l.bundle_id = t.bundle_id AND l.device_id = t.device_id AND l.sale_id = t.sale_id)
     ORDER BY t.device_id, t.sale_id LIMIT ${SAMPLE}`,
  );
  const byCurrency = currencies.rows.map((c) => ({
    currency: c.currency,
    debit_minor: c.debit,
    credit_minor: c.credit,
    difference_minor: (BigInt(c.debit) - BigInt(c.credit)).toString(),
  }));
  const count = (rows: { total: number }[]) => rows[0]?.total ?? 0;
  const result: LedgerCheckResult = {
    balanced: false,
    checked_at: new Date().toISOString(),
    entries: currencies.rows.reduce((acc, r) => acc + Number(r.n), 0),
    by_currency: byCurrency,
    unbalanced_sales: {
      count: count(unbalanced.rows),
      sample: unbalanced.rows.map(({ device_id, sale_id }) => ({ device_id, sale_id })),
    },
    entries_without_sale: {
      count: count(withoutSale.rows),
      sample: withoutSale.rows.map(({ bundle_id, sale_id }) => ({ bundle_id, sale_id })),
    },
    reconciled_without_entries: {
      count: count(withoutEntries.rows),
      sample: withoutEntries.rows.map(({ device_id, sale_id }) => ({ device_id, sale_id })),
    },
  };
  result.balanced =
    byCurrency.every((c) => c.difference_minor === '0') &&
    result.unbalanced_sales.count === 0 &&
    result.entries_without_sale.count === 0 &&
    result.reconciled_without_entries.count === 0;
  return result;
}
