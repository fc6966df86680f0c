import { createReadStream } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { withTransaction } from '../../db/tx';
import type { Logger } from '../../logger';
import { encryptedPath, uploadPath } from '../storage';
import { databaseBlobs } from './database';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Who holds the move of a directory's files: one process at a time per database. */
const MOVE_LOCK = 1_796_491_100;

export interface MovedFiles {
  encrypted: number;
  uploads: number;
}

async function ids(dir: string, suffix: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith(suffix) && UUID.test(n.slice(0, -suffix.length)))
    .map((n) => n.slice(0, -suffix.length));
}

/**
 * Moves what the directory store left in `dir` into the table, once, after an upgrade to the
 * database store (docs/scaling.md "Materials storage"), so every replica serves materials encrypted
 * before it; until a file is moved, ./legacy-files.ts serves it from here. Runs beside a serving
 * server (start.ts), a file at a time: each is copied under a staging kind, published in a
 * transaction that locks its material or job row and publishes only what the table lacks (an
 * encrypted object for a ready material; the upload of a job not done and not running, so a worker
 * reading the file now is never left an orphaned copy), then the file is removed. `stop` is asked
 * between files.
 */
export async function moveFilesIntoTable(
  pool: pg.Pool,
  dir: string,
  logger: Logger,
  stop: () => boolean = () => false,
): Promise<MovedFiles> {
  const moved: MovedFiles = { encrypted: 0, uploads: 0 };
  const [encrypted, uploads] = [await ids(dir, '.enc'), await ids(join(dir, 'uploads'), '.upload')];
  if (encrypted.length + uploads.length === 0) return moved;
  const lock = await pool.connect();
  try {
    const { rows } = await lock.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1) AS got', [
      MOVE_LOCK,
    ]);
    if (!rows[0]?.got) return moved; // another process moves; the files are served meanwhile
    try {
      const blobs = databaseBlobs(pool);
      // One file failing (gone, unreadable) is logged and left; the others still move.
      const each = async (id: string, move: () => Promise<boolean>) => {
        try {
          return await move();
        } catch (err) {
          logger.warn({ err, materialId: id }, 'could not move a material file into the database');
          return false;
        }
      };
      for (const id of encrypted) {
        if (stop()) break;
        const staged = await blobs.stageEncrypted(id, 0);
        const copy = async () => {
          await pipeline(createReadStream(encryptedPath(dir, id)), staged.stream);
          return publishEncrypted();
        };
        const publishEncrypted = () =>
          withTransaction(pool, async (client) => {
            const ready = await client.query(
              `SELECT 1 FROM offline_materials WHERE id = $1 AND status = 'ready' FOR UPDATE`,
              [id],
            );
            const present = await client.query(
              `SELECT 1 FROM offline_material_chunks WHERE material_id = $1 AND kind = 'encrypted' LIMIT 1`,
              [id],
            );
            if (ready.rowCount !== 1 || present.rowCount !== 0) return false;
            await staged.commit(client);
            return true;
          });
        if (!(await each(id, copy))) {
          await staged.abort();
          continue;
        }
        await rm(encryptedPath(dir, id), { force: true });
        moved.encrypted++;
      }
      for (const id of uploads) {
        if (stop()) break;
        const pending = await blobs.receiveUpload(id);
        const copy = async () => {
          await pipeline(createReadStream(uploadPath(dir, id)), pending.stream);
          return publishUpload();
        };
        const publishUpload = () =>
          withTransaction(pool, async (client) => {
            const waiting = await client.query(
              `SELECT 1 FROM offline_encryption_jobs WHERE material_id = $1 AND status IN ('queued', 'failed') FOR UPDATE`,
              [id],
            );
            const present = await client.query(
              `SELECT 1 FROM offline_material_chunks WHERE material_id = $1 AND kind = 'upload' LIMIT 1`,
              [id],
            );
            if (waiting.rowCount === 0 || present.rowCount !== 0) return false;
            await pending.commit(client);
            return true;
          });
        if (!(await each(id, copy))) {
          await pending.abort();
          continue;
        }
        await rm(uploadPath(dir, id), { force: true });
        moved.uploads++;
      }
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MOVE_LOCK]);
    }
  } finally {
    lock.release();
  }
  logger.info({ ...moved, dir }, 'material files moved into the database');
  return moved;
}
