import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { runner } from 'node-pg-migrate';
import type { MigrationBuilder } from 'node-pg-migrate';
import type pg from 'pg';
import type { Logger } from '../logger';
import { placeOnCitus } from './citus';
import { splitSqlStatements } from './sql-statements';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));
export const MIGRATIONS_TABLE = 'pgmigrations';

export interface MigrateOptions {
  logger?: Logger;
  dir?: string;
}

const section = (direction: 'up' | 'down') => new RegExp(`^\\s*--[\\s-]*${direction}\\s+migration`, 'im');

/** The up and down sections of a SQL migration, found as node-pg-migrate's own loader finds them. */
export function sqlSections(content: string): { upSql: string; downSql: string | undefined } {
  const up = content.search(section('up'));
  const down = content.search(section('down'));
  const upSql = up >= 0 ? content.slice(up, down < up ? undefined : down) : content;
  const downSql = down >= 0 ? content.slice(down, up < down ? undefined : up) : undefined;
  return { upSql, downSql };
}

/**
 * One query per statement. node-pg-migrate's own SQL loader sends each section of a file as one
 * multi-statement query, which Citus refuses for DDL on distributed tables (issue #23 item 3).
 * Sections are found as that loader finds them (`-- Up Migration`, `-- Down Migration`).
 */
export function sqlFileActions(content: string) {
  const { upSql, downSql } = sqlSections(content);
  const run = (sql: string) => (pgm: MigrationBuilder) => {
    for (const statement of splitSqlStatements(sql)) pgm.sql(statement);
  };
  return { up: run(upSql), down: downSql === undefined ? (false as const) : run(downSql) };
}

/** The runner options every migration run shares (the server's, the tests' down migrations). */
export const MIGRATION_LOADERS = {
  migrationLoaderStrategies: [
    {
      extensions: ['.sql'],
      loader: async (filePaths: string[]) =>
        Promise.all(
          filePaths.map(async (filePath) => ({
            id: filePath,
            filePaths: [filePath],
            actions: sqlFileActions(await readFile(filePath, 'utf8')),
          })),
        ),
    },
  ],
};

/** Applies every pending migration in one transaction; returns the names applied (none if up to date). */
export async function migrate(pool: pg.Pool, { logger, dir = MIGRATIONS_DIR }: MigrateOptions = {}) {
  const log = logger?.child({ component: 'migrate' });
  // One pooled client keeps the embedded server within its connection limit.
  const client = await pool.connect();
  let names: string[];
  try {
    const applied = await runner({
      ...MIGRATION_LOADERS,
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
    names = applied.map((m) => m.name);
    if (names.length > 0) log?.info({ applied: names }, 'migrations applied');
  } finally {
    client.release();
  }
  // On Citus, tables a migration created are placed as citus-layout.ts says (nothing elsewhere).
  await placeOnCitus(pool, log);
  return names;
}
