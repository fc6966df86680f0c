import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, describe, it } from 'vitest';
import { startEmbeddedDatabase } from '../../server/db/embedded';
import { createPool } from '../../server/db/pool';
import { freshDatabase } from './database';

/**
 * A migration's round trip on both databases the server runs on: a fresh real PostgreSQL database
 * and an embedded PGlite in a temp directory (what `npm start` uses), each torn down after.
 */
export function onBothDatabases(title: string, verb: string, run: (pool: pg.Pool) => Promise<void>): void {
  describe(title, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterAll(async () => {
      for (const c of cleanups.reverse()) await c();
    });

    it(`${verb} on PostgreSQL`, async () => {
      const pool = createPool(await freshDatabase());
      cleanups.push(() => pool.end());
      await run(pool);
    });

    it(`${verb} on the embedded PGlite`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'outpost-migration-'));
      const embedded = await startEmbeddedDatabase(join(dir, 'db'));
      const pool = createPool(embedded, { max: 2 });
      cleanups.push(async () => {
        await pool.end();
        await embedded.stop();
        await rm(dir, { recursive: true, force: true });
      });
      await run(pool);
    }, 180_000);
  });
}
