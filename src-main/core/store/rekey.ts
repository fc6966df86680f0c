import { StoreError } from './errors';
import { acquireFile, releaseFile } from './files';
import { generateDatabaseKey, type StoreKeyProvider } from './key';
import { type SqliteDatabase } from './sqlite';

/**
 * Rotates the page key of one database file. The order makes every interruption recoverable:
 *   1. the new key is staged in the keychain as `next` (current key untouched);
 *   2. `PRAGMA rekey` rewrites every page in ONE rollback-journal transaction (the cipher refuses
 *      to rekey in WAL mode, so the file leaves WAL for the duration);
 *   3. only after that commit, `next` becomes `current` and the staged slot is deleted.
 * Killed before 2 commits: the journal rolls the file back under the current key, and the next
 * open discards the staged key. Killed between 2 and 3: the current key no longer opens the file,
 * the staged one does, and the next open promotes it. No state leaves a file without its key.
 */
export async function rekeyDatabase(
  path: string,
  databaseName: string,
  keys: StoreKeyProvider,
): Promise<void> {
  // Through the shared registry: rekeying needs the only connection to the file.
  const file = acquireFile(path, databaseName, keys);
  try {
    const db = await file.ready;
    const newKey = generateDatabaseKey();
    await keys.stageNextKey(databaseName, newKey);
    try {
      rekeyConnection(db, newKey);
    } catch (err) {
      await keys.discardNextKey(databaseName);
      throw new StoreError('STORE_REKEY_FAILED', `rekey of ${databaseName} failed; old key still valid`, {
        cause: err,
      });
    }
    await keys.promoteNextKey(databaseName, newKey);
  } finally {
    await releaseFile(file);
  }
}

/** Synchronous on purpose: no other statement of this process can run between the steps. */
export function rekeyConnection(db: SqliteDatabase, key: Buffer): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const mode = db.pragma('journal_mode = DELETE', { simple: true });
  if (mode !== 'delete') throw new Error(`cannot leave WAL mode for the rekey (still ${String(mode)})`);
  try {
    db.pragma(`rekey = "x'${key.toString('hex')}'"`);
  } finally {
    db.pragma('journal_mode = WAL');
  }
  db.prepare('SELECT count(*) FROM sqlite_master').get();
}
