import type { Duplex } from 'node:stream';
import pg from 'pg';
import type { DatabasePoolConfig } from '../config';
import type { Logger } from '../logger';

export interface PoolOptions extends Partial<DatabasePoolConfig> {
  logger?: Logger;
}

/** A connection URL, or a maker of in-process connections (the embedded database: ./embedded). */
export type PoolTarget = string | { connect(): Duplex };

/** Defaults as server/config.ts documents them (OUTPOST_DB_POOL_MAX …). */
export function createPool(
  target: PoolTarget,
  { max = 10, connectionTimeoutMs = 5_000, idleTimeoutMs = 30_000, logger }: PoolOptions = {},
): pg.Pool {
  const pool = new pg.Pool({
    ...(typeof target === 'string' ? { connectionString: target } : { stream: () => target.connect() }),
    max,
    // A dead database must surface as an error (readiness 503), not as requests that hang.
    connectionTimeoutMillis: connectionTimeoutMs,
    idleTimeoutMillis: idleTimeoutMs,
  });
  // Without a listener, an idle client losing its connection crashes the process.
  pool.on('error', (err) => logger?.warn({ err }, 'idle database client failed'));
  return pool;
}
