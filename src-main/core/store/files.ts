import type { StoreKeyProvider } from './key';
import { openDatabaseFile, rotateKey } from './rekey';
import { removeDatabaseFiles, type SqliteDatabase } from './sqlite';
import { DocumentCache } from './table';

/**
 * One connection per database file per process, shared by every collection (table) in it.
 * better-sqlite3 is synchronous, so sharing one connection serialises all statements and each
 * bulkWrite's transaction runs alone without any locking of our own.
 */
export interface OpenFile {
  readonly path: string;
  readonly databaseName: string;
  readonly ready: Promise<SqliteDatabase>;
  db: SqliteDatabase | undefined;
  refs: number;
  /** Per table: the instances to tell about a committed write (same-process multi-instance). */
  readonly listeners: Map<string, Set<unknown>>;
  idleCheckpoint: NodeJS.Timeout | undefined;
  /** Per table: parsed documents, shared by the table's instances (they share the connection). */
  readonly documentCaches: Map<string, DocumentCache>;
}

/** The table's document cache; the first instance of the table in the open file sizes it. */
export function documentCacheFor(file: OpenFile, tableName: string, maxBytes: number): DocumentCache {
  let cache = file.documentCaches.get(tableName);
  if (!cache) {
    cache = new DocumentCache(maxBytes);
    file.documentCaches.set(tableName, cache);
  }
  return cache;
}

/** Delay between a write and the checkpoint that follows it. */
export const IDLE_CHECKPOINT_MS = 250;

/**
 * Called after each committed write. The checkpoint (copy WAL -> database, fsync) runs from a
 * timer shortly after, between commits, so a sale's commit does not pay for it. The timer is not
 * pushed back by later writes, so a steady stream of writes still checkpoints regularly.
 */
export function scheduleIdleCheckpoint(file: OpenFile): void {
  if (file.idleCheckpoint) return;
  file.idleCheckpoint = setTimeout(() => {
    file.idleCheckpoint = undefined;
    if (!file.db?.open) return;
    try {
      file.db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      // A checkpoint only copies committed WAL frames into the file: when it fails (a full disk,
      // an I/O error) every commit is still in the WAL and the next write schedules another. Thrown
      // from a timer it would end the process with the till's state in memory.
      console.warn(`store: ${file.databaseName}: idle checkpoint failed, the WAL keeps the commits:`, err);
    }
  }, IDLE_CHECKPOINT_MS);
  file.idleCheckpoint.unref();
}

const OPEN_FILES = new Map<string, OpenFile>();

/** Takes a reference synchronously, so a concurrent release cannot close the file under us. */
export function acquireFile(path: string, databaseName: string, keys: StoreKeyProvider): OpenFile {
  let file = OPEN_FILES.get(path);
  if (!file) {
    const ready = openDatabaseFile(path, databaseName, keys);
    const created: OpenFile = {
      path,
      databaseName,
      ready,
      db: undefined,
      refs: 0,
      listeners: new Map(),
      idleCheckpoint: undefined,
      documentCaches: new Map(),
    };
    ready.then(
      (db) => {
        created.db = db;
      },
      () => {
        if (OPEN_FILES.get(path) === created) OPEN_FILES.delete(path);
      },
    );
    OPEN_FILES.set(path, created);
    file = created;
  }
  file.refs++;
  return file;
}

/** Drops a reference; the last one closes the connection (which checkpoints the WAL). */
export async function releaseFile(file: OpenFile): Promise<void> {
  file.refs--;
  if (file.refs > 0) return;
  if (OPEN_FILES.get(file.path) === file) OPEN_FILES.delete(file.path);
  clearTimeout(file.idleCheckpoint);
  // Synchronous when the file is open, so a new acquire of the same path cannot slip in between
  // closing and removing.
  const db = file.db ?? (await file.ready.catch(() => undefined));
  if (!db?.open) return;
  const tablesLeft = db
    .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
    .pluck()
    .get() as number;
  db.close();
  // Every collection was removed: the file holds nothing, so it goes too (its key stays).
  if (tablesLeft === 0 && !OPEN_FILES.has(file.path)) removeDatabaseFiles(file.path);
}

export function findOpenFile(path: string): OpenFile | undefined {
  return OPEN_FILES.get(path);
}

/** Rotates the key of a database file (rekey.ts has the crash-safe order). */
export async function rekeyDatabase(
  path: string,
  databaseName: string,
  keys: StoreKeyProvider,
): Promise<void> {
  // Through the registry: the rotation needs the only connection to the file.
  const file = acquireFile(path, databaseName, keys);
  try {
    await rotateKey(await file.ready, databaseName, keys);
  } finally {
    await releaseFile(file);
  }
}
