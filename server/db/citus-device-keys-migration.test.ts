import { onBothDatabases } from '../../test/pg/both-databases';
import type pg from 'pg';
import { expect } from 'vitest';
import { migrateDownTo } from '../../test/pg/migrate-down';
import { layoutViolations } from './citus-layout';
import { migrate } from './migrate';

/** Migration 1796490900000 (device_id in every device table's key, issue #23 item 3), up, down, up. */
const MIGRATION = '1796490900000_citus-device-keys';
const TABLES = [
  'ledger_entries',
  'offline_licenses',
  'offline_download_events',
  'offline_online_authorisations',
];

async function keys(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ def: string }>(
    `SELECT conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE contype = 'p' AND conrelid::regclass::text = ANY ($1) ORDER BY 1`,
    [TABLES],
  );
  return rows.map((r) => r.def);
}

async function roundTrip(pool: pg.Pool): Promise<void> {
  await migrate(pool);
  const distributed = [
    'ledger_entries PRIMARY KEY (device_id, id)',
    'offline_download_events PRIMARY KEY (device_id, id)',
    'offline_licenses PRIMARY KEY (device_id, id)',
    'offline_online_authorisations PRIMARY KEY (device_id, authorisation_id)',
  ];
  expect(await keys(pool)).toEqual(distributed);
  expect(await layoutViolations(pool)).toEqual([]);

  await migrateDownTo(pool, MIGRATION);
  expect(await keys(pool)).toEqual([
    'ledger_entries PRIMARY KEY (id)',
    'offline_download_events PRIMARY KEY (id)',
    'offline_licenses PRIMARY KEY (id)',
    'offline_online_authorisations PRIMARY KEY (authorisation_id)',
  ]);
  // Beside these four, what the later migrations (1796491200000, 1796491200100) changed is undone
  // too: their tables are listed but absent, and offline_devices has its lower(device_id) index back.
  const later = [
    'offline_device_changes',
    'offline_device_ids',
    'offline_devices',
    'offline_material_chunks',
  ];
  expect((await layoutViolations(pool)).map((v) => v.table).sort()).toEqual([...TABLES, ...later].sort());

  expect(await migrate(pool)).toContain(MIGRATION);
  expect(await keys(pool)).toEqual(distributed);
}

onBothDatabases('migration citus-device-keys', 'goes up, down and up', roundTrip);
