import { onBothDatabases } from '../../test/pg/both-databases';
import type pg from 'pg';
import { expect } from 'vitest';
import { migrateDownTo } from '../../test/pg/migrate-down';
import { layoutViolations } from './citus-layout';
import { migrate } from './migrate';

/** Migration 1796491100000 (material blobs in the database, issue #23 item 2), up, down, up. */
const MIGRATION = '1796491100000_material-chunks';

async function table(pool: pg.Pool) {
  const { rows } = await pool.query<{ key: string | null; storage: string | null }>(
    `SELECT (SELECT pg_get_constraintdef(oid) FROM pg_constraint
              WHERE conrelid = to_regclass('offline_material_chunks') AND contype = 'p') AS key,
            (SELECT attstorage::text FROM pg_attribute
              WHERE attrelid = to_regclass('offline_material_chunks') AND attname = 'data') AS storage`,
  );
  return rows[0];
}

async function roundTrip(pool: pg.Pool): Promise<void> {
  await migrate(pool);
  const present = { key: 'PRIMARY KEY (material_id, kind, n)', storage: 'e' };
  expect(await table(pool)).toEqual(present);
  expect(await layoutViolations(pool)).toEqual([]);
  // Only the kinds the store writes.
  await expect(
    pool.query(
      `INSERT INTO offline_material_chunks (material_id, kind, n, data) VALUES (gen_random_uuid(), 'other', 0, '\\x00')`,
    ),
  ).rejects.toThrow(/check constraint/);

  await migrateDownTo(pool, MIGRATION);
  expect(await table(pool)).toEqual({ key: null, storage: null });
  // Later migrations are rolled back too; their own tests check their tables.
  expect((await layoutViolations(pool)).filter((v) => v.table === 'offline_material_chunks')).toEqual([
    { table: 'offline_material_chunks', problem: 'listed but not in the schema' },
  ]);

  expect(await migrate(pool)).toContain(MIGRATION);
  expect(await table(pool)).toEqual(present);
}

onBothDatabases('migration material-chunks', 'goes up, down and up', roundTrip);
