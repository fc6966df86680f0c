import type pg from 'pg';
import { expect } from 'vitest';
import { onBothDatabases } from '../../test/pg/both-databases';
import { migrateDownTo } from '../../test/pg/migrate-down';
import { layoutViolations } from './citus-layout';
import { migrate } from './migrate';

/**
 * Migration 1796491300000 (the ledger's two unread indexes dropped, room on the sales' pages for
 * their reconciliation), up, down and up, on a real PostgreSQL and on the embedded PGlite, with a
 * posted leg in the table across the round trip.
 */
const MIGRATION = '1796491300000_ingest-write-cost';

async function shape(pool: pg.Pool): Promise<{ ledgerIndexes: string[]; salesOptions: string[] | null }> {
  const indexes = await pool.query<{ name: string }>(
    `SELECT indexname AS name FROM pg_indexes WHERE tablename = 'ledger_entries' ORDER BY indexname`,
  );
  const options = await pool.query<{ options: string[] | null }>(
    `SELECT reloptions AS options FROM pg_class WHERE oid = 'offline_transactions'::regclass`,
  );
  return { ledgerIndexes: indexes.rows.map((r) => r.name), salesOptions: options.rows[0]!.options };
}

const KEYS = ['ledger_entries_pkey', 'ledger_entries_transaction_leg_key'];
const AFTER = { ledgerIndexes: KEYS, salesOptions: ['fillfactor=50'] };
const BEFORE = {
  ledgerIndexes: ['ledger_entries_account', 'ledger_entries_id', ...KEYS].sort(),
  salesOptions: null,
};

async function postOneLeg(pool: pg.Pool): Promise<void> {
  await pool.query(
    `INSERT INTO offline_devices (device_id, enrolled_via, pubkey_pem, x25519_pub) VALUES ('POS-1', 'admin', 'p', 'x')`,
  );
  const bundle = '00000000-0000-4000-8000-000000000001';
  const sale = '00000000-0000-4000-8000-000000000002';
  await pool.query(
    `INSERT INTO offline_tx_bundles (bundle_id, device_id, signature, nonce, server_key_id, seq_from, seq_to,
       prev_chain_head, chain_head, device_clock, status, sira_score, reasons, tx_count, totals, push_answer)
     VALUES ($1, 'POS-1', 's', 'n', 'k', 1, 1, 'p', 'c', now(), 'accepted', 0, '[]', 1, '[]', '{}')`,
    [bundle],
  );
  await pool.query(
    `INSERT INTO offline_transactions (device_id, sale_id, bundle_id, seq, kind, created_at, online, currency,
       total_minor, tax_minor, cash_minor, card_minor, qr_minor, status, sale_hash)
     VALUES ('POS-1', $2, $1, 1, 'sale', now(), false, 'EUR', 100, 0, 100, 0, 0, 'pending', 'h')`,
    [bundle, sale],
  );
  await pool.query(
    `INSERT INTO ledger_entries (device_id, sale_id, bundle_id, leg, account, currency, debit_minor)
     VALUES ('POS-1', $2, $1, 'cash', 'cash_drawer:POS-1', 'EUR', 100)`,
    [bundle, sale],
  );
}

async function roundTrip(pool: pg.Pool): Promise<void> {
  await migrate(pool);
  expect(await shape(pool)).toEqual(AFTER);
  expect(await layoutViolations(pool)).toEqual([]);
  await postOneLeg(pool);

  await migrateDownTo(pool, MIGRATION);
  expect(await shape(pool)).toEqual(BEFORE);
  expect(await migrate(pool)).toEqual([MIGRATION]);
  expect(await shape(pool)).toEqual(AFTER);
  // The posted leg is still the only one a second posting of it could not add to.
  await expect(
    pool.query(
      `INSERT INTO ledger_entries (device_id, sale_id, bundle_id, leg, account, currency, debit_minor)
       SELECT device_id, sale_id, bundle_id, leg, account, currency, debit_minor FROM ledger_entries`,
    ),
  ).rejects.toMatchObject({ code: '23505', constraint: 'ledger_entries_transaction_leg_key' });
  expect(await reconciliationStaysHot(pool)).toBeGreaterThanOrEqual(95);
}

/**
 * The reconciliation's status update of a bundle's sales (server/worker/reconcile.ts) stays on
 * their pages: a bundle of 100 sales written by one statement, as a push writes it, then updated in
 * one transaction, as a worker posts it. With the table's pages full (no fillfactor) most of those
 * updates were new versions in every index of the table.
 */
async function reconciliationStaysHot(pool: pg.Pool): Promise<number> {
  const bundle = '00000000-0000-4000-8000-000000000101';
  await pool.query(
    `INSERT INTO offline_tx_bundles (bundle_id, device_id, signature, nonce, server_key_id, seq_from, seq_to,
       prev_chain_head, chain_head, device_clock, status, sira_score, reasons, tx_count, totals, push_answer)
     VALUES ($1, 'POS-1', 's2', 'n2', 'k', 2, 101, 'p', 'c', now(), 'accepted', 0, '[]', 100, '[]', '{}')`,
    [bundle],
  );
  await pool.query(
    `INSERT INTO offline_transactions (device_id, sale_id, bundle_id, seq, kind, created_at, online, currency,
       total_minor, tax_minor, cash_minor, card_minor, qr_minor, status, sale_hash, cashier_id)
     SELECT 'POS-1', gen_random_uuid(), $1, 1 + n, 'sale', now(), false, 'EUR', 100, 0, 100, 0, 0, 'pending',
       repeat('a', 64), 'cashier-1'
     FROM generate_series(1, 100) AS n`,
    [bundle],
  );
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `UPDATE offline_transactions SET status = 'reconciled', reconciled_at = now()
       WHERE device_id = 'POS-1' AND bundle_id = $1 AND status = 'pending'`,
      [bundle],
    );
    const { rows } = await client.query<{ hot: string }>(
      `SELECT pg_stat_get_xact_tuples_hot_updated('offline_transactions'::regclass) AS hot`,
    );
    await client.query('ROLLBACK');
    return Number(rows[0]!.hot);
  } finally {
    client.release();
  }
}

onBothDatabases('migration ingest-write-cost', 'goes up, down and up', roundTrip);
