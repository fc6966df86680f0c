import { onBothDatabases } from '../../test/pg/both-databases';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { expect } from 'vitest';
import { migrateDownTo } from '../../test/pg/migrate-down';
import { migrate } from './migrate';

/**
 * Migration 1796489050606 (a bundle is (device_id, bundle_id), #16 13th pass M-1), up and down, on
 * a real PostgreSQL and on the embedded PGlite the default server uses.
 */
const MIGRATION = '1796489050606_bundle-identity';

const down = (pool: pg.Pool) => migrateDownTo(pool, MIGRATION);

const bundleKey = async (pool: pg.Pool) =>
  (
    await pool.query<{ def: string }>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'offline_tx_bundles_pkey'`,
    )
  ).rows[0]!.def;

async function storeBundle(pool: pg.Pool, deviceId: string, bundleId: string): Promise<void> {
  await pool.query(
    `INSERT INTO offline_devices (device_id, enrolled_via, pubkey_pem, x25519_pub, fingerprint)
     VALUES ($1, 'admin', 'pem', 'x', $1) ON CONFLICT DO NOTHING`,
    [deviceId],
  );
  await pool.query(
    `INSERT INTO offline_tx_bundles (bundle_id, device_id, signature, nonce, server_key_id, seq_from, seq_to,
       prev_chain_head, chain_head, device_clock, status, sira_score, tx_count, push_answer)
     VALUES ($1, $2, 'sig', $3, 'k', 1, 1, 'h0', 'h1', now(), 'accepted', 0, 1, '{}')`,
    [bundleId, deviceId, randomUUID()],
  );
}

async function roundTrip(pool: pg.Pool): Promise<void> {
  await migrate(pool);
  expect(await bundleKey(pool)).toBe('PRIMARY KEY (device_id, bundle_id)');
  const id = randomUUID();
  await storeBundle(pool, 'POS-A', id);
  await storeBundle(pool, 'POS-B', id);
  // The same device cannot store the id twice.
  await expect(storeBundle(pool, 'POS-A', id)).rejects.toMatchObject({ code: '23505' });

  // Down refuses while two devices hold one bundle_id (the old key cannot hold them)...
  await expect(down(pool)).rejects.toThrow();
  expect(await bundleKey(pool)).toBe('PRIMARY KEY (device_id, bundle_id)');
  // ...and goes through once they do not.
  await pool.query(`DELETE FROM offline_tx_bundles WHERE device_id = 'POS-B'`);
  await down(pool);
  expect(await bundleKey(pool)).toBe('PRIMARY KEY (bundle_id)');
  await expect(storeBundle(pool, 'POS-B', id)).rejects.toMatchObject({ code: '23505' });

  expect(await migrate(pool)).toContain(MIGRATION);
  expect(await bundleKey(pool)).toBe('PRIMARY KEY (device_id, bundle_id)');
  await storeBundle(pool, 'POS-B', id);
}

onBothDatabases('migration bundle-identity', 'goes up and down', roundTrip);
