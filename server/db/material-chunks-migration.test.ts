import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/pg/database';
import { migrateDownTo } from '../../test/pg/migrate-down';
import { layoutViolations } from './citus-layout';
import { startEmbeddedDatabase } from './embedded';
import { migrate } from './migrate';
import { createPool } from './pool';

/** Migration 1796491100000 (material blobs in the database, issue #23 item 2), up, down, up. */
const MIGRATION = '1796491100000_material-chunks';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

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
  expect(await layoutViolations(pool)).toEqual([
    { table: 'offline_material_chunks', problem: 'listed but not in the schema' },
  ]);

  expect(await migrate(pool)).toContain(MIGRATION);
  expect(await table(pool)).toEqual(present);
}

describe('migration material-chunks', () => {
  it('goes up, down and up on PostgreSQL', async () => {
    const pool = createPool(await freshDatabase());
    cleanups.push(() => pool.end());
    await roundTrip(pool);
  });

  it('goes up, down and up on the embedded PGlite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outpost-material-chunks-'));
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
