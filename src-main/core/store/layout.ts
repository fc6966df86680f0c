import { conversionRoom, ensureRoomToConvert, spaceFailure } from './conversion-room';
import { StoreDiskFullError } from './errors';
import { encodeIndexString, fromSortableText } from './index-key';
import type { IndexColumn } from './indexes';
import { quoteIdent } from './sql-ident';
import type { SqliteDatabase } from './sqlite';

/**
 * SQLite index of a key column. Named for the layout: the first layout's TEXT columns had indexes
 * `<table>__i0`...; the compact keys' are `<table>__k0`..., so a table whose `__k0` is missing
 * still holds RxDB's strings and is converted once when it is opened.
 */
export function indexName(table: string, column: string): string {
  return `${table}__k${column.slice(1)}`;
}

/**
 * For the layout tests only: told of each converted row, of the index build and of the commit
 * (before the WAL is truncated), so a child can be killed or the disk filled at a known point of
 * the conversion, and the WAL it wrote measured. Unset in the app (one check per row).
 */
export const conversionProgress: {
  onRow?: (rows: number) => void;
  onIndexes?: () => void;
  onCommitted?: () => void;
} = {};

/** The SQL function the conversion calls on each old key (registered for it only). */
const CONVERT_FN = 'outpost_compact_index_key';

/**
 * Rewrites a table of the first layout (each index column a TEXT holding RxDB's indexable string
 * as sortable text) to compact BLOB keys, in one transaction: a crash at any point leaves either
 * the old layout whole (SQLite rolls the uncommitted WAL frames back on the next open, which
 * converts again) or the new one. The old string already is RxDB's order, so each key is
 * re-encoded from it without parsing the document. The old indexes are dropped first so the
 * UPDATE does not maintain them, and the new ones are built by sorting once. The columns keep
 * their declared TEXT type: TEXT affinity leaves BLOB values as they are, and changing a declared
 * type would mean copying the table.
 *
 * The room it needs (its WAL) is checked first (`STORE_DISK_FULL`, nothing written), and a disk
 * that fills during it is answered the same way after SQLite rolled it back. Once committed, the
 * WAL (as large as the table) is checkpointed and truncated at once rather than held until close.
 */
export function convertToKeyLayout(db: SqliteDatabase, table: string, columns: readonly IndexColumn[]): void {
  const q = quoteIdent(table);
  let keys = 0;
  const { onRow, onIndexes } = conversionProgress;
  db.function(CONVERT_FN, { deterministic: true }, (value: unknown) => {
    if (onRow && ++keys % columns.length === 0) onRow(keys / columns.length);
    return typeof value === 'string' ? encodeIndexString(fromSortableText(value)) : value;
  });
  const room = ensureRoomToConvert(db);
  const convert = db.transaction(() => {
    for (const c of columns) db.exec(`DROP INDEX IF EXISTS ${quoteIdent(`${table}__${c.column}`)}`);
    db.exec(`UPDATE ${q} SET ${columns.map((c) => `${c.column} = ${CONVERT_FN}(${c.column})`).join(', ')}`);
    onIndexes?.();
    for (const c of columns) {
      db.exec(`CREATE INDEX ${quoteIdent(indexName(table, c.column))} ON ${q} (${c.column})`);
    }
  });
  try {
    convert();
  } catch (error) {
    const failure = spaceFailure(error);
    if (!failure) throw error;
    const after = conversionRoom(db);
    // An I/O error on a disk with room left is not ours to explain as a full disk.
    if (failure === 'io' && after.freeBytes >= room.neededBytes) throw error;
    throw new StoreDiskFullError(room.neededBytes, after.freeBytes, room.directory, { cause: error });
  }
  conversionProgress.onCommitted?.();
  db.pragma('wal_checkpoint(TRUNCATE)');
}
