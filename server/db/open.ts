import type pg from 'pg';
import { embeddedDataPath, type Config } from '../config';
import type { Logger } from '../logger';
import { EMBEDDED_POOL_MAX, startEmbeddedDatabase } from './embedded';
import { createPool } from './pool';

export interface OpenDatabase {
  pool: pg.Pool;
  embedded: boolean;
  /** Closes the pool, then stops the embedded database if one was started. */
  close(): Promise<void>;
}

/** DATABASE_URL when set, else the embedded database under the data directory. */
export async function openDatabase(config: Config, logger?: Logger): Promise<OpenDatabase> {
  if (config.databaseUrl !== undefined) {
    const pool = createPool(config.databaseUrl, { ...config.pool, ...(logger ? { logger } : {}) });
    return { pool, embedded: false, close: () => pool.end() };
  }
  const dataPath = embeddedDataPath(config);
  logger?.info({ dataPath }, 'starting embedded database');
  const embedded = await startEmbeddedDatabase(dataPath);
  // One PGlite session serves every connection: more of them buy nothing (./embedded.ts).
  const pool = createPool(embedded, {
    ...config.pool,
    max: EMBEDDED_POOL_MAX,
    ...(logger ? { logger } : {}),
  });
  return {
    pool,
    embedded: true,
    close: async () => {
      try {
        await pool.end();
      } finally {
        await embedded.stop();
      }
    },
  };
}
