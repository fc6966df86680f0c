import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { ensurePrivateDir, makeTreePrivate } from '../private-dir';
import { acquireDirLock } from './dir-lock';
import { PGliteConnection } from './pglite-connection';
import { PGliteSession } from './pglite-session';

/**
 * Pooled connections to the embedded database. They take turns on its one session, so more of them
 * buy no parallelism; enough lets short queries queue behind a transaction instead of behind the
 * pool's own wait.
 */
export const EMBEDDED_POOL_MAX = 10;

export interface EmbeddedDatabase {
  /**
   * A new in-process connection, for pg's `stream` option. There is no socket and no URL: only
   * this process can reach the database.
   */
  connect(): Duplex;
  stop(): Promise<void>;
}

export async function startEmbeddedDatabase(dataPath: string): Promise<EmbeddedDatabase> {
  // The database holds password hashes and wrapped server keys: its directory, and the one the
  // master key shares with it, are the server user's alone (docs/operations.md).
  await ensurePrivateDir(dirname(dataPath));
  await ensurePrivateDir(dataPath);
  const lock = await acquireDirLock(`${dataPath}.lock`);
  let db: PGlite | undefined;
  try {
    db = await PGlite.create({ dataDir: dataPath });
    // PGlite creates its files without regard to the mode PostgreSQL asks for.
    await makeTreePrivate(dataPath);
    const session = new PGliteSession(db);
    const pglite = db;
    let stopped: Promise<void> | undefined;
    return {
      connect: () => new PGliteConnection(session),
      stop: () =>
        (stopped ??= (async () => {
          try {
            await pglite.close();
          } finally {
            await lock.release();
          }
        })()),
    };
  } catch (err) {
    await db?.close().catch(() => undefined);
    await lock.release();
    throw err;
  }
}
