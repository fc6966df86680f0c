import { categorizeBulkWriteRows } from 'rxdb';
import type {
  BulkWriteRow,
  CategorizeBulkWriteRowsOutput,
  RxDocumentData,
  RxStorageInstance,
  StringKeys,
} from 'rxdb';
import { writeAttachments } from './attachments';
import { KeyScratch } from './index-key';
import type { RawDocRow, Table } from './table';

/** A row written by the transaction: put into the document cache once it has committed. */
export type WrittenRow<T> = [id: string, rowid: number, doc: RxDocumentData<T>, size: number];

export interface BulkWriteOutcome<T> {
  categorized: CategorizeBulkWriteRowsOutput<T>;
  written: WrittenRow<T>[];
}

/** Thrown inside an optimistic transaction by an insert that met a stored row: rolls it back. */
const ALREADY_STORED = Symbol('an inserted id is already stored');

/** One per process: the keys of a row are bound (and copied by SQLite) before the next row's. */
const keyScratch = new KeyScratch();

function isPrimaryKeyConflict(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * One bulkWrite in one transaction: RxDB's conflict check against the state it writes over, then
 * the inserts and updates. An SQL failure rolls the whole bulk back (conflicts are per row, in
 * `categorized.errors`).
 *
 * The state in the database is the document cache for the ids it holds (this process is the only
 * writer). The other ids are read in one statement, unless none of their rows has a `previous`
 * (RxDB inserting documents it believes new): then the bulk is written without reading them, each
 * INSERT's own primary key check standing for the read, and if one of those ids turns out to be
 * stored (a conflict, a tombstone) the transaction is rolled back and the bulk written again with
 * the read, so RxDB gets the same 409 errors with `documentInDb` as always.
 */
export function writeBulk<T>(
  instance: RxStorageInstance<T, unknown, unknown>,
  table: Table,
  primaryPath: StringKeys<RxDocumentData<T>>,
  rows: BulkWriteRow<T>[],
  context: string,
  blobs: Map<Blob, Buffer> | undefined,
): BulkWriteOutcome<T> {
  const cache = table.cache;
  const cached = new Map<string, RxDocumentData<T>>();
  let unknown: string[] | undefined;
  let unknownUpdates = false;
  for (const row of rows) {
    const id = row.document[primaryPath] as string;
    const doc = cache.getById(id) as RxDocumentData<T> | undefined;
    if (doc) cached.set(id, doc);
    else {
      (unknown ??= []).push(id);
      if (row.previous) unknownUpdates = true;
    }
  }
  const write = (read: string[] | undefined) =>
    table.db.transaction(() => writeRows(instance, table, primaryPath, rows, context, blobs, cached, read))();
  if (unknown && !unknownUpdates) {
    try {
      return write(undefined);
    } catch (err) {
      if (err !== ALREADY_STORED) throw err;
    }
  }
  return write(unknown);
}

function writeRows<T>(
  instance: RxStorageInstance<T, unknown, unknown>,
  table: Table,
  primaryPath: StringKeys<RxDocumentData<T>>,
  rows: BulkWriteRow<T>[],
  context: string,
  blobs: Map<Blob, Buffer> | undefined,
  cached: ReadonlyMap<string, RxDocumentData<T>>,
  /** Ids to read from SQLite; undefined when the inserts' primary key check stands for the read. */
  read: string[] | undefined,
): BulkWriteOutcome<T> {
  const optimistic = read === undefined;
  let inDb = cached;
  const rowids = new Map<string, number>();
  if (read) {
    const found =
      read.length === 1
        ? ([table.selectById.get(read[0])].filter(Boolean) as RawDocRow[])
        : (table.selectByIds.all(JSON.stringify(read)) as RawDocRow[]);
    if (found.length > 0) {
      const all = new Map(cached);
      for (const [rowid, json] of found) {
        const doc = JSON.parse(json) as RxDocumentData<T>;
        all.set(doc[primaryPath] as string, doc);
        rowids.set(doc[primaryPath] as string, rowid);
      }
      inDb = all;
    }
  }
  const categorized = categorizeBulkWriteRows<T>(
    instance,
    primaryPath as StringKeys<T>,
    inDb as Map<string, RxDocumentData<T>>,
    rows,
    context,
  );
  const written: WrittenRow<T>[] = [];
  const columns = table.columns;
  const width = columns.length;
  const search = table.search;
  // One parameter array per statement, filled per row: no array or spread per row.
  if (categorized.bulkInsertDocs.length > 0) {
    const insert = table.insert;
    const args = new Array<unknown>(4 + width);
    for (const { document: doc } of categorized.bulkInsertDocs) {
      const json = JSON.stringify(doc);
      const id = doc[primaryPath] as string;
      args[0] = id;
      args[1] = doc._deleted ? 1 : 0;
      args[2] = doc._meta.lwt;
      args[3] = json;
      keyScratch.reset();
      for (let k = 0; k < width; k++) args[4 + k] = keyScratch.encode(columns[k]!.indexString(doc));
      let rowid: number;
      try {
        rowid = Number(insert.run(args).lastInsertRowid);
      } catch (err) {
        if (optimistic && isPrimaryKeyConflict(err)) throw ALREADY_STORED;
        throw err;
      }
      search?.put(rowid, doc);
      written.push([id, rowid, doc, json.length]);
    }
  }
  if (categorized.bulkUpdateDocs.length > 0) {
    const update = table.update;
    const cache = table.cache;
    const args = new Array<unknown>(4 + width);
    for (const { document: doc } of categorized.bulkUpdateDocs) {
      const json = JSON.stringify(doc);
      const id = doc[primaryPath] as string;
      args[0] = doc._deleted ? 1 : 0;
      args[1] = doc._meta.lwt;
      args[2] = json;
      keyScratch.reset();
      for (let k = 0; k < width; k++) args[3 + k] = keyScratch.encode(columns[k]!.indexString(doc));
      args[3 + width] = id;
      update.run(args);
      const rowid = rowids.get(id) ?? cache.rowidOf(id) ?? (search ? table.rowidOf(id) : undefined);
      if (rowid !== undefined) {
        search?.put(rowid, doc);
        written.push([id, rowid, doc, json.length]);
      }
    }
  }
  if (blobs) writeAttachments(table, categorized, blobs);
  return { categorized, written };
}
