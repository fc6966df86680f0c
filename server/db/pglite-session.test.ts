import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded';
import { createPool } from './pool';

/**
 * pg connections over PGlite's one session (./pglite-session): what the old socket multiplexer got
 * wrong, on a real PGlite, through the pool the server uses.
 */

let dir: string;
let db: EmbeddedDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outpost-pglite-session-'));
  db = await startEmbeddedDatabase(join(dir, 'server', 'pgdata'));
  pool = createPool(db, { max: 10 });
  await pool.query('CREATE TABLE marks (id text PRIMARY KEY)');
}, 180_000);

afterAll(async () => {
  await pool?.end();
  await db?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Lets timers, I/O and pool hand-offs run: a whole transaction can otherwise run in microtasks. */
const yieldToOthers = () => new Promise((resolve) => setImmediate(resolve));

const marks = async () =>
  (await pool.query<{ id: string }>('SELECT id FROM marks ORDER BY id')).rows.map((r) => r.id);

describe('pg connections sharing the embedded session', () => {
  it('answers thousands of concurrent parameterised queries, each with its own statement', async () => {
    // Different parameter counts and types: crossed Parse/Bind messages fail with "bind message
    // supplies 2 parameters, but prepared statement requires 1" or answer another query's row.
    const answers = await Promise.all(
      Array.from({ length: 3000 }, async (_, i) => {
        if (i % 3 === 0) return (await pool.query('SELECT $1::int + 1 AS v', [i])).rows[0].v === i + 1;
        if (i % 3 === 1) {
          const { rows } = await pool.query('SELECT $1::text || $2::text AS v', [`a${i}`, 'b']);
          return rows[0].v === `a${i}b`;
        }
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const { rows } = await client.query('SELECT $1::text AS v, $2::int AS n, $3::bool AS b', [
            `t${i}`,
            i,
            true,
          ]);
          await client.query('COMMIT');
          return rows[0].v === `t${i}` && rows[0].n === i && rows[0].b === true;
        } finally {
          client.release();
        }
      }),
    );
    expect(answers.filter((right) => !right)).toEqual([]);
  });

  it('runs no other connection’s statement inside an open transaction', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("INSERT INTO marks VALUES ('inside')");
      // Another request's write while the transaction is open: it must wait, not join it.
      const outside = pool.query("INSERT INTO marks VALUES ('outside')");
      // Round trips inside the transaction, each after a turn of the event loop, give the other
      // connection every chance to reach the session; had it run here, the rollback below would
      // take its row with ours.
      for (let i = 0; i < 20; i++) {
        await yieldToOthers();
        await client.query('SELECT 1');
      }
      await client.query('ROLLBACK');
      await outside;
    } finally {
      client.release();
    }
    expect(await marks()).toEqual(['outside']);
  });

  it('keeps a failed transaction its own until it rolls back', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await expect(client.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
      // Others are not answered "current transaction is aborted" meanwhile: they wait.
      const other = pool.query<{ n: number }>('SELECT 2 AS n');
      for (let i = 0; i < 20; i++) await yieldToOthers();
      await client.query('ROLLBACK');
      expect((await other).rows).toEqual([{ n: 2 }]);
    } finally {
      client.release();
    }
  });

  it('rolls back what a connection closed mid-transaction left open, and serves the next', async () => {
    const client = await pool.connect();
    await client.query('BEGIN');
    await client.query("INSERT INTO marks VALUES ('abandoned')");
    const waiting = pool.query<{ n: number }>('SELECT 3 AS n');
    client.release(new Error('request aborted')); // destroys the connection, transaction open
    expect((await waiting).rows).toEqual([{ n: 3 }]);
    expect(await marks()).not.toContain('abandoned');
  });
});
