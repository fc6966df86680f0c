import { statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreDiskFullError } from './errors';
import type { SqliteDatabase } from './sqlite';

/** A WAL frame is the page plus this header; the WAL file starts with its own 32-byte header. */
const WAL_FRAME_HEADER = 24;
const WAL_HEADER = 32;
/** The wal-index (-shm) grows by 32 KiB for every 4,096 frames of the WAL. */
const SHM_BYTES_PER_4096_FRAMES = 32 * 1024;

export interface ConversionRoom {
  /** What the conversion can write at most before its commit (the WAL and its index). */
  readonly neededBytes: number;
  /** Free to this process on the disk of the file, plus the WAL file already there (reused). */
  readonly freeBytes: number;
  readonly directory: string;
}

/**
 * The room the layout conversion needs beside the file, from the header alone (no page is read:
 * at 1,000,000 sales a page count by `dbstat` would read 1.4 GB before converting it).
 *
 * An upper bound: the conversion writes each page of the table it rewrites once into the WAL
 * (SQLite overwrites a frame the same transaction wrote again), and the new indexes into pages the
 * dropped ones freed, which are smaller (compact keys are shorter than the strings). Every page in
 * use is counted, so the bound holds for the file's largest table and for the others converted
 * after it; only pages on the freelist are left out. Nothing is added to the main file before the
 * checkpoint, which copies the WAL into pages the file already has.
 */
export function conversionRoom(db: SqliteDatabase): ConversionRoom {
  const path = db.name;
  const directory = dirname(path);
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const pages =
    (db.pragma('page_count', { simple: true }) as number) -
    (db.pragma('freelist_count', { simple: true }) as number);
  const neededBytes =
    WAL_HEADER +
    pages * (pageSize + WAL_FRAME_HEADER) +
    (Math.ceil(pages / 4096) + 1) * SHM_BYTES_PER_4096_FRAMES;
  const disk = statfsSync(directory);
  // A WAL left by a crash holds no committed frame after the open's recovery: SQLite writes the
  // conversion over it from its start, so its bytes are room too.
  const wal = statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  return { neededBytes, freeBytes: disk.bavail * disk.bsize + wal, directory };
}

/** Refuses the conversion before it writes anything when the disk has not the room it needs. */
export function ensureRoomToConvert(db: SqliteDatabase): ConversionRoom {
  const room = conversionRoom(db);
  if (room.freeBytes < room.neededBytes) {
    throw new StoreDiskFullError(room.neededBytes, room.freeBytes, room.directory);
  }
  return room;
}

/**
 * `full` for SQLite's "database or disk is full" (ENOSPC on a write), `io` for an I/O error (a
 * full disk can surface as one, e.g. growing the -shm), null for anything else.
 */
export function spaceFailure(error: unknown): 'full' | 'io' | null {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (code === 'SQLITE_FULL') return 'full';
  return typeof code === 'string' && code.startsWith('SQLITE_IOERR') ? 'io' : null;
}
