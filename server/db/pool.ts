import type { Duplex } from 'node:stream';
import pg from 'pg';
import type { Logger } from '../logger';

export interface PoolOptions {
  max?: number;
  logger?: Logger;
}

/** A connection URL, or a maker of in-process connections (the embedded database: ./embedded). */
export type PoolTarget = string | { connect(): Duplex };

export function createPool(target: PoolTarget, { max = 10, logger }: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    ...(typeof target === 'string' ? { connectionString: target } : { stream: () => target.connect() }),
    max,
    // A dead database must surface as an error (readiness 503), not as requests that hang.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // Without a listener, an idle client losing its connection crashes the process.
  pool.on('error', (err) => logger?.warn({ err }, 'idle database client failed'));
  return pool;
}
