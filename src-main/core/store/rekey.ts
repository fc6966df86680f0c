import { StoreError } from './errors';
import { generateDatabaseKey, PAGE_CIPHER, type DatabaseKey, type StoreKeyProvider } from './key';
import { openWithKeychain, rawKeyLiteral, selectCipher, type SqliteDatabase } from './sqlite';

/**
 * Rotates the page key of one open database file. The order makes every interruption recoverable:
 *   1. the new key is staged in the keychain as `next` (current key untouched);
 *   2. `PRAGMA rekey` rewrites every page in ONE rollback-journal transaction (the cipher refuses
 *      to rekey in WAL mode, so the file leaves WAL for the duration);
 *   3. only after that commit, `next` becomes `current` and the staged slot is deleted.
 * Killed before 2 commits: the journal rolls the file back under the current key, and the next
 * open discards the staged key. Killed between 2 and 3: the current key no longer opens the file,
 * the staged one does, and the next open promotes it. No state leaves a file without its key.
 * The new key is always under PAGE_CIPHER, so a rekey also moves a file off an older cipher.
 * The caller must hold the only connection to the file.
 */
export async function rotateKey(
  db: SqliteDatabase,
  databaseName: string,
  keys: StoreKeyProvider,
): Promise<void> {
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
}

/** Synchronous on purpose: no other statement of this process can run between the steps. */
export function rekeyConnection(db: SqliteDatabase, key: DatabaseKey): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
  const mode = db.pragma('journal_mode = DELETE', { simple: true });
  if (mode !== 'delete') throw new Error(`cannot leave WAL mode for the rekey (still ${String(mode)})`);
  try {
    // The cipher named before `rekey` is the one the pages are rewritten with.
    selectCipher(db, key);
    db.pragma(`rekey = ${rawKeyLiteral(key)}`);
  } finally {
    db.pragma('journal_mode = WAL');
  }
  db.prepare('SELECT count(*) FROM sqlite_master').get();
}

/**
 * Opens the file through the keychain (see openWithKeychain). A file still under an older cipher
 * is rewritten under PAGE_CIPHER with a new key by rotateKey, once: a rewrite of every page, ~14 ms
 * per MB here. A failed upgrade (a disk too full for the rollback journal, say) leaves the file
 * whole under its old key, which still serves: it is tried again at the next open rather than
 * keeping the till from starting.
 */
export async function openDatabaseFile(
  path: string,
  databaseName: string,
  keys: StoreKeyProvider,
): Promise<SqliteDatabase> {
  const { db, key } = await openWithKeychain(path, databaseName, keys);
  if (key.cipher !== PAGE_CIPHER) {
    try {
      await rotateKey(db, databaseName, keys);
    } catch (err) {
      console.warn(`store: ${databaseName} stays under its ${key.cipher} page cipher for now:`, err);
    }
  }
  return db;
}
