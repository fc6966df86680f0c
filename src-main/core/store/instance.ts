import { Subject, type Observable } from 'rxjs';
import { getPrimaryFieldOfPrimaryKey, now } from 'rxdb';
import type {
  BulkWriteRow,
  EventBulk,
  PreparedQuery,
  RxDocumentData,
  RxJsonSchema,
  RxStorageBulkWriteResponse,
  RxStorageChangeEvent,
  RxStorageCountResult,
  RxStorage,
  RxStorageDefaultCheckpoint,
  RxStorageInstance,
  RxStorageQueryResult,
  StringKeys,
} from 'rxdb';
import { readAttachmentBlobs } from './attachments';
import { writeBulk } from './bulk-write';
import { StoreError } from './errors';
import { documentCacheFor, releaseFile, scheduleIdleCheckpoint, type OpenFile } from './files';
import { getIndexColumns } from './indexes';
import { countSql, querySql, runChangesSince, runCount, runQuery, runQueryFields } from './query';
import type { SqliteDatabase } from './sqlite';
import { Table } from './table';
import type { TextSearchSpec } from './text-search';

/**
 * A bulk write adds its documents to the document cache (write-through) when their JSON is at most
 * this share of the cache's bound: reads right after a write (the sale just recorded, a pulled
 * batch of catalog items) are then memory-speed, while one huge import cannot flush the working set.
 */
export const WRITE_THROUGH_SHARE = 0.25;

/** Nothing is configurable per collection: every setting is per database file. */
export type SqliteInstanceOptions = Record<string, never>;

export interface SqliteInternals {
  readonly filePath: string;
  readonly tableName: string;
  readonly db: SqliteDatabase;
}

/** The storage that made an instance (storage.ts's RxStorageSqlite), typed here without importing it. */
type OwnStorage = RxStorage<SqliteInternals, SqliteInstanceOptions>;

type ChangeBulk<T> = EventBulk<RxStorageChangeEvent<RxDocumentData<T>>, RxStorageDefaultCheckpoint>;

export class RxStorageInstanceSqlite<T> implements RxStorageInstance<
  T,
  SqliteInternals,
  SqliteInstanceOptions,
  RxStorageDefaultCheckpoint
> {
  readonly primaryPath: StringKeys<RxDocumentData<T>>;
  readonly internals: SqliteInternals;
  private readonly changes$ = new Subject<ChangeBulk<T>>();
  private closed: Promise<void> | undefined;

  constructor(
    readonly storage: OwnStorage,
    readonly databaseName: string,
    readonly collectionName: string,
    readonly schema: Readonly<RxJsonSchema<RxDocumentData<T>>>,
    readonly options: Readonly<SqliteInstanceOptions>,
    private readonly file: OpenFile,
    private readonly table: Table,
  ) {
    this.primaryPath = getPrimaryFieldOfPrimaryKey(schema.primaryKey) as StringKeys<RxDocumentData<T>>;
    this.internals = { filePath: file.path, tableName: table.name, db: table.db };
    this.peers().add(this);
  }

  /** Instances of the same table in this process: all of them see each committed write. */
  private peers(): Set<RxStorageInstanceSqlite<T>> {
    let peers = this.file.listeners.get(this.table.name) as Set<RxStorageInstanceSqlite<T>> | undefined;
    if (!peers) {
      peers = new Set();
      this.file.listeners.set(this.table.name, peers);
    }
    return peers;
  }

  private ensureOpen(): void {
    if (this.closed) {
      throw new StoreError('STORE_CLOSED', `${this.databaseName}/${this.collectionName} is closed`);
    }
  }

  async bulkWrite(rows: BulkWriteRow<T>[], context: string): Promise<RxStorageBulkWriteResponse<T>> {
    this.ensureOpen();
    // Attachment bytes are read before the transaction: it must not await.
    const blobs = this.table.withAttachments ? await readAttachmentBlobs(rows) : undefined;
    this.ensureOpen();
    const cache = this.table.cache;
    const { categorized, written } = writeBulk(this, this.table, this.primaryPath, rows, context, blobs);
    // Committed: the cache now holds what the table holds (the written objects, as RxDB's memory
    // storage keeps them). A bulk too large for write-through only refreshes what was cached.
    let bytes = 0;
    for (const entry of written) bytes += entry[3];
    const writeThrough = bytes <= cache.maxBytes * WRITE_THROUGH_SHARE;
    for (const [id, rowid, doc, size] of written) {
      if (writeThrough || cache.has(id)) cache.set(id, rowid, doc, size);
    }
    if (categorized.bulkInsertDocs.length + categorized.bulkUpdateDocs.length > 0) {
      cache.writesCommitted();
      scheduleIdleCheckpoint(this.file);
    }

    if (categorized.eventBulk.events.length > 0 && categorized.newestRow) {
      const newest = categorized.newestRow.document;
      categorized.eventBulk.checkpoint = { id: newest[this.primaryPath] as string, lwt: newest._meta.lwt };
      for (const peer of this.peers()) peer.changes$.next(categorized.eventBulk);
    }
    return { error: categorized.errors };
  }

  async findDocumentsById(ids: string[], withDeleted: boolean): Promise<RxDocumentData<T>[]> {
    this.ensureOpen();
    if (ids.length === 0) return [];
    const cache = this.table.cache;
    const found: RxDocumentData<T>[] = [];
    let missing: string[] | undefined;
    for (const id of ids) {
      const doc = cache.getById(id) as RxDocumentData<T> | undefined;
      if (doc === undefined) (missing ??= []).push(id);
      else if (withDeleted || !doc._deleted) found.push(doc);
    }
    if (missing) {
      for (const doc of this.table.fetchByIds(missing) as RxDocumentData<T>[]) {
        if (withDeleted || !doc._deleted) found.push(doc);
      }
    }
    return found;
  }

  async query(preparedQuery: PreparedQuery<T>): Promise<RxStorageQueryResult<T>> {
    this.ensureOpen();
    return { documents: runQuery(this.table, this.schema, preparedQuery) };
  }

  /** See runQueryFields: top-level scalar fields of a query's documents, parsing none not cached. */
  async queryFields(
    preparedQuery: PreparedQuery<T>,
    fields: readonly string[],
  ): Promise<{ doc: RxDocumentData<T> | undefined; values: unknown[] }[]> {
    this.ensureOpen();
    return runQueryFields(this.table, this.schema, preparedQuery, fields);
  }

  async count(preparedQuery: PreparedQuery<T>): Promise<RxStorageCountResult> {
    this.ensureOpen();
    const count = runCount(this.table, this.schema, preparedQuery);
    // 'slow' as in RxDB's own storages: the selector needed the JS matcher over the range.
    return { count, mode: preparedQuery.queryPlan.selectorSatisfiedByIndex ? 'fast' : 'slow' };
  }

  async getChangedDocumentsSince(
    limit: number,
    checkpoint?: RxStorageDefaultCheckpoint,
  ): Promise<{ documents: RxDocumentData<T>[]; checkpoint: RxStorageDefaultCheckpoint }> {
    this.ensureOpen();
    const documents = runChangesSince(this.table, this.schema, limit, checkpoint);
    const last = documents[documents.length - 1];
    return {
      documents,
      checkpoint: last
        ? { id: last[this.primaryPath] as string, lwt: last._meta.lwt }
        : (checkpoint ?? { id: '', lwt: 0 }),
    };
  }

  changeStream(): Observable<ChangeBulk<T>> {
    this.ensureOpen();
    return this.changes$.asObservable();
  }

  async cleanup(minimumDeletedTime: number): Promise<boolean> {
    this.ensureOpen();
    const olderThan = now() - minimumDeletedTime;
    const table = this.table;
    const removed = table.db.transaction(() => {
      if (table.withAttachments) {
        table
          .statement(
            `DELETE FROM ${table.attachmentsQ} WHERE doc_id IN ` +
              `(SELECT id FROM ${table.q} WHERE deleted = 1 AND lwt < ?)`,
          )
          .run(olderThan);
      }
      return table.statement(`DELETE FROM ${table.q} WHERE deleted = 1 AND lwt < ?`).run(olderThan).changes;
    })();
    // Rowids of deleted rows can be reused by later inserts: forget them all.
    if (removed > 0) table.cache.clear();
    return true;
  }

  async getAttachmentData(documentId: string, attachmentId: string, digest: string): Promise<Blob> {
    this.ensureOpen();
    const row = this.table.withAttachments
      ? (this.table
          .statement(
            `SELECT data, type, digest FROM ${this.table.attachmentsQ} WHERE doc_id = ? AND attachment_id = ?`,
          )
          .get(documentId, attachmentId) as { data: Buffer; type: string; digest: string } | undefined)
      : undefined;
    if (!row || (digest && row.digest !== digest)) {
      throw new StoreError('STORE_ATTACHMENT_MISSING', `attachment ${documentId}/${attachmentId} not found`);
    }
    return new Blob([new Uint8Array(row.data)], { type: row.type });
  }

  /**
   * Live documents whose indexed text contains `folded`, or one of whose codes starts with it, in
   * the text index's order (TextSearchSpec). `STORE_NO_TEXT_INDEX` when the collection has none.
   */
  async searchText(folded: string, limit: number): Promise<RxDocumentData<T>[]> {
    this.ensureOpen();
    const search = this.table.search;
    if (!search) {
      throw new StoreError('STORE_NO_TEXT_INDEX', `${this.collectionName} has no text index`);
    }
    return this.table.docsByRowids(search.search(folded, limit)) as RxDocumentData<T>[];
  }

  /** For tests and diagnostics: SQLite's plan for the SQL this query or count would run. */
  explain(preparedQuery: PreparedQuery<T>, kind: 'query' | 'count'): string[] {
    const { stmt, params } =
      kind === 'query'
        ? querySql(this.table, this.schema, preparedQuery)
        : countSql(this.table, this.schema, preparedQuery);
    const rows = this.table.db.prepare(`EXPLAIN QUERY PLAN ${stmt.source}`).all(...params) as {
      detail: string;
    }[];
    return rows.map((r) => r.detail);
  }

  async remove(): Promise<void> {
    this.ensureOpen();
    this.table.drop();
    await this.close();
  }

  close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closed = (async () => {
      this.peers().delete(this);
      if (this.peers().size === 0) this.file.listeners.delete(this.table.name);
      this.changes$.complete();
      await releaseFile(this.file);
    })();
    return this.closed;
  }
}

export async function createSqliteInstance<T>(
  storage: OwnStorage,
  file: OpenFile,
  params: {
    databaseName: string;
    collectionName: string;
    schema: RxJsonSchema<RxDocumentData<T>>;
    options: SqliteInstanceOptions;
  },
  name: string,
  documentCacheBytes: number,
  textSearch?: TextSearchSpec,
): Promise<RxStorageInstanceSqlite<T>> {
  let db: SqliteDatabase;
  try {
    db = await file.ready;
  } catch (err) {
    await releaseFile(file);
    throw err;
  }
  const table = new Table(
    db,
    name,
    getIndexColumns(params.schema),
    !!params.schema.attachments,
    documentCacheFor(file, name, documentCacheBytes),
    getPrimaryFieldOfPrimaryKey(params.schema.primaryKey) as string,
    textSearch,
  );
  return new RxStorageInstanceSqlite<T>(
    storage,
    params.databaseName,
    params.collectionName,
    params.schema,
    params.options,
    file,
    table,
  );
}
