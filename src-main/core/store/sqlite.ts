import Database from 'better-sqlite3-multiple-ciphers';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { StoreError } from './errors';
import type { DatabaseKey, StoreKeyProvider } from './key';

export type SqliteDatabase = Database.Database;

/**
 * `FULL`: in WAL mode `NORMAL` skips the fsync at commit, so the last transactions can vanish on
 * power loss. An acknowledged sale must survive that, so every commit waits for the WAL fsync.
 */
export const SYNCHRONOUS = 'FULL';

/** 10000 pages of 8 KiB: at most ~80 MiB of WAL before a commit checkpoints by itself. */
export const WAL_AUTOCHECKPOINT_PAGES = 10000;

/** Selects the key's cipher for the connection's next `key` or `rekey` pragma. */
export function selectCipher(db: SqliteDatabase, key: DatabaseKey): void {
  // From a closed set (PageCipher), so safe to splice into the pragma.
  db.pragma(`cipher = '${key.cipher}'`);
}

export function rawKeyLiteral(key: DatabaseKey): string {
  // Only [0-9a-f]: safe to splice into the pragma. x'..' makes the cipher use the bytes as the key.
  return `"x'${key.bytes.toString('hex')}'"`;
}

function isNotADatabase(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && err.code === 'SQLITE_NOTADB';
}

let nativeBinding: string | null | undefined;

/**
 * The addon's file, found once by module resolution. Without it better-sqlite3 asks `bindings`,
 * which walks a stack trace and probes a dozen paths: ~3 ms of a fresh process's first open.
 * null (not found where expected) leaves the search to `bindings`.
 */
function addonPath(): string | null {
  if (nativeBinding === undefined) {
    try {
      nativeBinding = createRequire(import.meta.url).resolve(
        'better-sqlite3-multiple-ciphers/build/Release/better_sqlite3.node',
      );
    } catch {
      nativeBinding = null;
    }
  }
  return nativeBinding;
}

/**
 * Opens `path` under `key` and proves the key by reading the schema. A wrong key fails on that
 * first read, before anything is written: the main file and the WAL are left byte for byte.
 */
export function openWithKey(path: string, key: DatabaseKey, create: boolean): SqliteDatabase | null {
  const binding = addonPath();
  const db = new Database(path, { fileMustExist: !create, ...(binding ? { nativeBinding: binding } : {}) });
  try {
    selectCipher(db, key);
    db.pragma(`key = ${rawKeyLiteral(key)}`);
    try {
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch (err) {
      if (isNotADatabase(err)) {
        db.close();
        return null;
      }
      throw err;
    }
    // Only takes effect on a new file (before the first write); 8 KiB pages halve the B-tree work
    // of our long index keys compared with 4 KiB (measured: bulk insert median 66 -> 34 ms/1000).
    if (create) db.pragma('page_size = 8192');
    applyConnectionSettings(db);
    return db;
  } catch (err) {
    if (db.open) db.close();
    throw err;
  }
}

/**
 * Runs `fn` (one transaction of schema changes) without waiting for an fsync at its commit. Safe for
 * DDL: WAL frames are appended in order and recovery keeps the longest prefix of whole commits, so
 * the next commit at FULL (the first write into the new table, or RxDB's own metadata write right
 * after) makes this one durable with it; a power loss before that loses only tables nothing was
 * written to yet, which the next open creates again. A new database's first insert waited for
 * one fsync per table created.
 */
export function withoutCommitFsync<T>(db: SqliteDatabase, fn: () => T): T {
  db.pragma('synchronous = NORMAL');
  try {
    return fn();
  } finally {
    db.pragma(`synchronous = ${SYNCHRONOUS}`);
  }
}

export function applyConnectionSettings(db: SqliteDatabase): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${SYNCHRONOUS}`);
  // Sorts and temp indexes would otherwise spill to unencrypted temp files.
  db.pragma('temp_store = MEMORY');
  // 64 MiB of decrypted pages: every miss costs a read plus a page decryption, and a miss-heavy
  // query measured 14x slower with 16 MiB (2.3 ms vs 0.17 ms for one terminal's day).
  db.pragma('cache_size = -65536');
  db.pragma('busy_timeout = 5000');
  // Checkpoints run from a timer between commits (files.ts); this is only the backstop for bulk
  // loads, so a sale's commit rarely pays for copying the WAL into the database.
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
}

/**
 * Opens (or creates) the encrypted file of one RxDB database.
 * - New file: the key is stored in the keychain first, so no file can exist without its key.
 * - Existing file: the current key, then a staged `next` key left by an interrupted rekey. The
 *   current key is tried first because a rekey that did not commit leaves a hot journal that
 *   must be rolled back under the old key.
 */
export async function openWithKeychain(
  path: string,
  databaseName: string,
  keys: StoreKeyProvider,
): Promise<{ db: SqliteDatabase; key: DatabaseKey }> {
  if (!existsSync(path)) {
    const key = await keys.keyForNewDatabase(databaseName);
    const db = openWithKey(path, key, true);
    if (!db) throw new StoreError('STORE_KEY_WRONG', `new database ${databaseName} refused its key`);
    return { db, key };
  }
  const { current, next } = await keys.keysForExistingDatabase(databaseName);
  if (!current && !next) {
    throw new StoreError(
      'STORE_KEY_MISSING',
      `no key in the keychain for database ${databaseName}; the file ${path} was not touched`,
    );
  }
  if (current) {
    const db = openWithKey(path, current, false);
    if (db) {
      if (next) await keys.discardNextKey(databaseName);
      return { db, key: current };
    }
  }
  if (next) {
    const db = openWithKey(path, next, false);
    if (db) {
      await keys.promoteNextKey(databaseName, next);
      return { db, key: next };
    }
  }
  throw new StoreError(
    'STORE_KEY_WRONG',
    `the keychain key does not open database ${databaseName}; the file ${path} was not touched`,
  );
}

export function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}
