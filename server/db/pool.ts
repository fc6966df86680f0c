import pg from 'pg';
import type { Logger } from '../logger';

export interface PoolOptions {
  max?: number;
  logger?: Logger;
}

export function createPool(connectionString: string, { max = 10, logger }: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    // A dead database must surface as an error (readiness 503), not as requests that hang.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // Without a listener, an idle client losing its connection crashes the process.
  pool.on('error', (err) => logger?.warn({ err }, 'idle database client failed'));
  return pool;
}
