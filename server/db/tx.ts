import type pg from 'pg';

/**
 * Runs `fn` in one transaction on one pooled client. Never call this inside another `fn`, nor
 * query the pool from inside `fn`: on the embedded database an open transaction has PGlite's one
 * session to itself until it ends (./pglite-session), so any other connection waits for it forever.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  });
}

/**
 * Runs `fn` on one pooled client that begins and ends its own transaction, for when BEGIN or COMMIT
 * travel with other statements (queryAll, commitWith in ./inline). If `fn` throws, the transaction
 * it left open is rolled back; after a failed COMMIT that is a no-op. Same nesting rule as
 * withTransaction.
 */
export async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await fn(client);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Anything that can run a query: the pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/** PostgreSQL's unique_violation: a write another transaction (or an earlier one) already made. */
export const isUniqueViolation = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
