import { onBothDatabases } from '../../test/pg/both-databases';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { expect } from 'vitest';
import { migrateDownTo } from '../../test/pg/migrate-down';
import { KNOWN_GLOBAL_UNIQUES, layoutViolations } from './citus-layout';
import { migrate } from './migrate';

/**
 * Migrations 1796491200000 (pull counters numbered by the statements, the triggers and change_xid
 * gone) and 1796491200100 (device ids any case in a table of their own), up, down and up, on a
 * real PostgreSQL and on the embedded PGlite, with data written under the old schema.
 */
const COUNTERS = '1796491200000_statement-change-counters';
const DEVICE_IDS = '1796491200100_device-ids-any-case';

interface Shape {
  triggers: string[];
  xidColumns: string[];
  caseIndex: boolean;
  tables: string[];
}

async function shape(pool: pg.Pool): Promise<Shape> {
  const one = async <T>(sql: string) => (await pool.query<{ v: T }>(sql)).rows[0]!.v;
  return {
    triggers: await one<string[]>(
      `SELECT coalesce(array_agg(tgname::text ORDER BY tgname), '{}') AS v FROM pg_trigger
        WHERE NOT tgisinternal AND tgrelid IN ('offline_tx_bundles'::regclass, 'offline_catalog_items'::regclass)`,
    ),
    xidColumns: await one<string[]>(
      `SELECT coalesce(array_agg(table_name::text ORDER BY table_name), '{}') AS v FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name = 'change_xid'`,
    ),
    caseIndex: await one<boolean>(
      `SELECT to_regclass('offline_devices_device_id_any_case') IS NOT NULL AS v`,
    ),
    tables: await one<string[]>(
      `SELECT coalesce(array_agg(t ORDER BY t), '{}') AS v FROM unnest(ARRAY['offline_device_changes', 'offline_device_ids']) t
        WHERE to_regclass(t) IS NOT NULL`,
    ),
  };
}

const AFTER: Shape = {
  triggers: [],
  xidColumns: [],
  caseIndex: false,
  tables: ['offline_device_changes', 'offline_device_ids'],
};
const BEFORE: Shape = {
  triggers: ['offline_catalog_items_change', 'offline_tx_bundles_change'],
  xidColumns: ['offline_catalog_items', 'offline_tx_bundles'],
  caseIndex: true,
  tables: [],
};

/** A device, a bundle and a catalog item written the way the old schema numbered them (by trigger). */
async function writeUnderOldSchema(pool: pg.Pool, deviceId: string): Promise<void> {
  await pool.query(
    `INSERT INTO offline_devices (device_id, enrolled_via, pubkey_pem, x25519_pub, fingerprint)
     VALUES ($1, 'admin', 'pem', $1, $1)`,
    [deviceId],
  );
  for (let i = 0; i < 2; i++)
    await pool.query(
      `INSERT INTO offline_tx_bundles (bundle_id, device_id, signature, nonce, server_key_id, seq_from, seq_to,
         prev_chain_head, chain_head, device_clock, status, sira_score, tx_count, push_answer)
       VALUES ($1, $2, 'sig', $3, 'k', $4, $4, 'h0', 'h1', now(), 'accepted', 0, 1, '{}')`,
      [randomUUID(), deviceId, randomUUID(), i + 1],
    );
  await pool.query(
    `INSERT INTO offline_catalog_items (tenant_type, tenant_id, sku, name, price_minor, currency, tax_rate_bp, active)
     VALUES ('merchant', 'm1', 'A', 'A', 100, 'XOF', 0, true)`,
  );
}

async function roundTrip(pool: pg.Pool): Promise<void> {
  await migrate(pool);
  expect(await shape(pool)).toEqual(AFTER);
  expect(KNOWN_GLOBAL_UNIQUES).toEqual({});
  expect(await layoutViolations(pool)).toEqual([]);

  await migrateDownTo(pool, COUNTERS);
  expect(await shape(pool)).toEqual(BEFORE);
  await writeUnderOldSchema(pool, 'POS-Up');
  // The old schema's case-insensitive index (what the new table replaces).
  await expect(
    pool.query(
      `INSERT INTO offline_devices (device_id, enrolled_via, pubkey_pem, x25519_pub) VALUES ('pos-up', 'admin', 'p', 'x')`,
    ),
  ).rejects.toMatchObject({ code: '23505' });

  expect((await migrate(pool)).slice(0, 2)).toEqual([COUNTERS, DEVICE_IDS]);
  expect(await shape(pool)).toEqual(AFTER);
  // The triggers' numbers carried over: the device's counter on its own row, the tenant's kept.
  const counters = await pool.query<{ scope: string; value: string }>(
    `SELECT 'device:' || device_id AS scope, value::text AS value FROM offline_device_changes
     UNION ALL SELECT scope, value::text FROM offline_change_counters ORDER BY 1`,
  );
  expect(counters.rows).toEqual([
    { scope: 'device:POS-Up', value: '2' },
    { scope: 'tenant:merchant:m1', value: '1' },
  ]);
  expect((await pool.query(`SELECT lower_id FROM offline_device_ids`)).rows).toEqual([
    { lower_id: 'pos-up' },
  ]);
  // Nothing numbers a write by itself any more.
  await pool.query(`UPDATE offline_catalog_items SET name = 'B' WHERE sku = 'A'`);
  expect((await pool.query(`SELECT change_seq FROM offline_catalog_items`)).rows).toEqual([
    { change_seq: '1' },
  ]);

  // And back down with data: the counters go back to one table, the index over the devices.
  await migrateDownTo(pool, COUNTERS);
  expect(await shape(pool)).toEqual(BEFORE);
  const back = await pool.query<{ scope: string }>(`SELECT scope FROM offline_change_counters ORDER BY 1`);
  expect(back.rows.map((r) => r.scope)).toEqual(['device:POS-Up', 'tenant:merchant:m1']);
  expect((await migrate(pool)).slice(0, 2)).toEqual([COUNTERS, DEVICE_IDS]);
  expect(await shape(pool)).toEqual(AFTER);
}

onBothDatabases(
  'migrations statement-change-counters and device-ids-any-case',
  'go up, down and up',
  roundTrip,
);
