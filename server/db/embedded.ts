import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { acquireDirLock } from './dir-lock';

/**
 * Above 1 so a pg.Pool works. The socket server's multiplexer still runs one transaction
 * at a time (a second BEGIN waits for the first to end), so code must never hold one
 * transaction open while awaiting another in the same process.
 */
export const EMBEDDED_MAX_CONNECTIONS = 16;
/** Leaves headroom under the socket server's limit, which drops connections beyond it. */
export const EMBEDDED_POOL_MAX = 10;

export interface EmbeddedDatabase {
  /** Superuser connection string for `pg`, on 127.0.0.1. */
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedDatabase(dataPath: string): Promise<EmbeddedDatabase> {
  await mkdir(dataPath, { recursive: true });
  const lock = await acquireDirLock(`${dataPath}.lock`);
  let db: PGlite | undefined;
  try {
    db = await PGlite.create({ dataDir: dataPath });
    const server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: 0,
      maxConnections: EMBEDDED_MAX_CONNECTIONS,
    });
    await server.start();
    const pglite = db;
    let stopped: Promise<void> | undefined;
    return {
      url: `postgresql://postgres@${server.getServerConn()}/postgres`,
      stop: () =>
        (stopped ??= (async () => {
          try {
            await server.stop();
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
