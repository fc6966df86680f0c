import { isUniqueViolation, type Queryable } from '../db/tx';

/**
 * Double-entry posting of offline transactions. Accounts are text codes:
 *   cash_drawer:<device_id>       cash taken by one terminal
 *   card_clearing:<tenant>        card money owed by the processor
 *   qr_clearing:<tenant>          QR money owed by the wallet operator
 *   revenue:<tenant>              sales net of tax
 *   tax_payable:<tenant>          tax collected
 *   suspense:<tenant>             the difference when a (flagged, then approved) sale does not balance
 * with <tenant> = `<tenant_type>:<tenant_id>` (the device id for a device without a tenant).
 *
 * A sale debits the tender accounts and credits revenue and tax; a refund or a void posts the same
 * legs reversed (its tenders are the money returned) and names the original in reverses_device_id
 * and reverses_sale_id. A transaction is (device_id, sale_id): a sale_id alone is any till's to
 * claim (issue #16, eighth pass M-1). Every transaction has at most one row per leg: the
 * (device_id, sale_id, leg) unique constraint is what makes a second posting impossible.
 */

export interface LedgerTransaction {
  sale_id: string;
  seq: string;
  bundle_id: string;
  device_id: string;
  kind: 'sale' | 'refund' | 'void';
  original_sale_id: string | null;
  /** Whose sale original_sale_id is (refunds.ts resolves it); null for a sale. */
  original_device_id?: string | null;
  currency: string;
  total_minor: string;
  tax_minor: string;
  cash_minor: string;
  card_minor: string;
  qr_minor: string;
}

export interface LedgerLeg {
  device_id: string;
  sale_id: string;
  bundle_id: string;
  leg: 'cash' | 'card' | 'qr' | 'revenue' | 'tax' | 'suspense';
  account: string;
  currency: string;
  debit: bigint;
  credit: bigint;
  reverses_sale_id: string | null;
  reverses_device_id: string | null;
}

/** The legs of one transaction; they always balance (suspense absorbs a sale that does not). */
export function legsFor(tx: LedgerTransaction, tenant: string): LedgerLeg[] {
  const total = BigInt(tx.total_minor);
  const tax = BigInt(tx.tax_minor);
  // Signed amounts: positive is a debit for a sale.
  const signed: [LedgerLeg['leg'], string, bigint][] = [
    ['cash', `cash_drawer:${tx.device_id}`, BigInt(tx.cash_minor)],
    ['card', `card_clearing:${tenant}`, BigInt(tx.card_minor)],
    ['qr', `qr_clearing:${tenant}`, BigInt(tx.qr_minor)],
    ['revenue', `revenue:${tenant}`, -(total - tax)],
    ['tax', `tax_payable:${tenant}`, -tax],
  ];
  const imbalance = signed.reduce((acc, [, , v]) => acc + v, 0n);
  if (imbalance !== 0n) signed.push(['suspense', `suspense:${tenant}`, -imbalance]);
  const direction = tx.kind === 'sale' ? 1n : -1n;
  return signed
    .map(([leg, account, v]) => [leg, account, v * direction] as const)
    .filter(([, , v]) => v !== 0n)
    .map(([leg, account, v]) => ({
      device_id: tx.device_id,
      sale_id: tx.sale_id,
      bundle_id: tx.bundle_id,
      leg,
      account,
      currency: tx.currency,
      debit: v > 0n ? v : 0n,
      credit: v < 0n ? -v : 0n,
      reverses_sale_id: tx.kind === 'sale' ? null : tx.original_sale_id,
      reverses_device_id: tx.kind === 'sale' ? null : (tx.original_device_id ?? null),
    }));
}

const LEG_COLUMNS = `INSERT INTO ledger_entries (sale_id, bundle_id, leg, account, currency, debit_minor, credit_minor,
       reverses_sale_id, device_id, reverses_device_id)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::uuid[],
       $9::text[], $10::text[])`;

function legValues(legs: readonly LedgerLeg[]): unknown[] {
  return [
    legs.map((l) => l.sale_id),
    legs.map((l) => l.bundle_id),
    legs.map((l) => l.leg),
    legs.map((l) => l.account),
    legs.map((l) => l.currency),
    legs.map((l) => l.debit.toString()),
    legs.map((l) => l.credit.toString()),
    legs.map((l) => l.reverses_sale_id),
    legs.map((l) => l.device_id),
    legs.map((l) => l.reverses_device_id),
  ];
}

/**
 * Writes the legs; ones already written are skipped by the unique constraint, so this can run again
 * after a crash at any point. Returns how many rows were new.
 */
export async function writeLegs(db: Queryable, legs: readonly LedgerLeg[]): Promise<number> {
  if (legs.length === 0) return 0;
  const { rowCount } = await db.query(
    `${LEG_COLUMNS} ON CONFLICT (device_id, sale_id, leg) DO NOTHING`,
    legValues(legs),
  );
  return rowCount ?? 0;
}

/**
 * writeLegs for the worker, inside its transaction: a plain INSERT first, and writeLegs only when
 * a leg is already there (entries committed without their sales' marking: an older worker, a manual
 * repair). The unique (device_id, sale_id, leg) refuses a second posting either way; ON CONFLICT's
 * speculative insertion cost PostgreSQL ~14 µs a posted sale (3 legs) in the common case where
 * nothing conflicts (docs/scaling.md "The ingest benchmark"). The savepoint keeps the transaction
 * usable after the refusal.
 */
export async function postLegs(client: Queryable, legs: readonly LedgerLeg[]): Promise<number> {
  if (legs.length === 0) return 0;
  await client.query('SAVEPOINT legs');
  try {
    const { rowCount } = await client.query(LEG_COLUMNS, legValues(legs));
    await client.query('RELEASE SAVEPOINT legs');
    return rowCount ?? 0;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    await client.query('ROLLBACK TO SAVEPOINT legs');
    const written = await writeLegs(client, legs);
    await client.query('RELEASE SAVEPOINT legs');
    return written;
  }
}

export function tenantOf(row: { tenant_type: string | null; tenant_id: string | null; device_id: string }) {
  return row.tenant_type && row.tenant_id ? `${row.tenant_type}:${row.tenant_id}` : `device:${row.device_id}`;
}
