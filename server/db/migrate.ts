import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type pg from 'pg';
import type { Logger } from '../logger';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
export const MIGRATIONS_TABLE = 'pgmigrations';

export interface MigrateOptions {
  logger?: Logger;
  dir?: string;
}

/** Applies every pending migration in one transaction; returns the names applied (none if up to date). */
export async function migrate(pool: pg.Pool, { logger, dir = MIGRATIONS_DIR }: MigrateOptions = {}) {
  const log = logger?.child({ component: 'migrate' });
  // One pooled client keeps the embedded server within its connection limit.
  const client = await pool.connect();
  try {
    const applied = await runner({
      dbClient: client,
      dir,
      direction: 'up',
      migrationsTable: MIGRATIONS_TABLE,
      checkOrder: true,
      singleTransaction: true,
      // Several instances booting at once queue behind each other instead of failing.
      advisoryLockMode: 'wait',
      logger: {
        info: (msg) => log?.debug(msg),
        warn: (msg) => log?.warn(msg),
        error: (msg) => log?.error(msg),
      },
    });
    const names = applied.map((m) => m.name);
    if (names.length > 0) log?.info({ applied: names }, 'migrations applied');
    return names;
  } finally {
    client.release();
  }
}
