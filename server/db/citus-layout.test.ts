import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/pg/database';
import { layoutViolations } from './citus-layout';
import { migrate } from './migrate';
import { createPool } from './pool';

/**
 * The schema after every migration, read from a real PostgreSQL, against the Citus layout
 * (issue #23 item 3): a device table's keys all hold device_id, so each one can be distributed.
 */
let pool: pg.Pool;
beforeAll(async () => {
  pool = createPool(await freshDatabase());
  await migrate(pool);
});
afterAll(async () => {
  await pool.end();
});

describe('Citus layout of the migrated schema', () => {
  it('every device table keys and uniques by device_id; every table is placed', async () => {
    expect(await layoutViolations(pool)).toEqual([]);
  });

  it('fails on a device table whose primary key or a unique lacks device_id (planted)', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        'ALTER TABLE offline_transactions DROP CONSTRAINT offline_transactions_device_id_seq_key',
      );
      await client.query('ALTER TABLE offline_transactions ADD CONSTRAINT planted_seq UNIQUE (seq)');
      await client.query('ALTER TABLE offline_device_days DROP CONSTRAINT offline_device_days_pkey');
      await client.query('ALTER TABLE offline_device_days ADD PRIMARY KEY (day)');
      await client.query('CREATE TABLE planted_unplaced (id int PRIMARY KEY)');
      await client.query('ALTER TABLE offline_device_days ALTER COLUMN device_id DROP NOT NULL');
      expect(await layoutViolations(client)).toEqual([
        { table: 'offline_device_days', problem: 'device_id is nullable' },
        { table: 'offline_device_days', problem: 'primary key lacks device_id' },
        { table: 'offline_transactions', problem: 'unique index planted_seq lacks device_id' },
        { table: 'planted_unplaced', problem: 'not placed in server/db/citus-layout.ts' },
      ]);
      await client.query('ALTER TABLE offline_tx_bundles DROP COLUMN device_id CASCADE');
      expect(await layoutViolations(client)).toContainEqual({
        table: 'offline_tx_bundles',
        problem: 'no device_id column',
      });
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
    expect(await layoutViolations(pool)).toEqual([]);
  });
});
