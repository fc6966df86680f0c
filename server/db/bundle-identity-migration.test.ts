import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/pg/database';
import { migrateDownTo } from '../../test/pg/migrate-down';
import { startEmbeddedDatabase } from './embedded';
import { migrate } from './migrate';
import { createPool } from './pool';

/**
 * Migration 1796489050606 (a bundle is (device_id, bundle_id), #16 13th pass M-1), up and down, on
 * a real PostgreSQL and on the embedded PGlite the default server uses.
 */
const MIGRATION = '1796489050606_bundle-identity';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

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

describe('migration bundle-identity', () => {
  it('goes up and down on PostgreSQL', async () => {
    const pool = createPool(await freshDatabase());
    cleanups.push(() => pool.end());
    await roundTrip(pool);
  });

  it('goes up and down on the embedded PGlite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outpost-bundle-identity-'));
    const embedded = await startEmbeddedDatabase(join(dir, 'db'));
    const pool = createPool(embedded, { max: 2 });
    cleanups.push(async () => {
      await pool.end();
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    });
    await roundTrip(pool);
  }, 180_000);
});
