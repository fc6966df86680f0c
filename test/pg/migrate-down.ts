import { readdir } from 'node:fs/promises';
import { runner } from 'node-pg-migrate';
import type pg from 'pg';
import { MIGRATION_LOADERS, MIGRATIONS_DIR, MIGRATIONS_TABLE } from '../../server/db/migrate';

/** Runs the down migrations of `migration` and every later one: the schema just before it. */
export async function migrateDownTo(pool: pg.Pool, migration: string): Promise<void> {
  const count = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql') && f >= migration).length;
  const client = await pool.connect();
  try {
    await runner({
      ...MIGRATION_LOADERS,
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: 'down',
      count,
      migrationsTable: MIGRATIONS_TABLE,
      singleTransaction: true,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
  } finally {
    client.release();
  }
}
