import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { IndexColumn } from './indexes';
import { convertToKeyLayout, indexName } from './layout';
import { withoutCommitFsync, type SqliteDatabase } from './sqlite';
import { quoteIdent } from './sql-ident';
import { TextIndex, type TextSearchSpec } from './text-search';

export { quoteIdent } from './sql-ident';

/** One table per collection and schema version, so a migration writes a new table beside the old. */
export function tableName(collectionName: string, schemaVersion: number): string {
  return `${collectionName}-${schemaVersion}`;
}

type Row = unknown[];

/** `[rowid, data]` as returned by `.raw()` statements. */
export type RawDocRow = [number, string];

/** A query plan's index range, bound to the statements of its shape (query.ts). */
export interface IndexRange {
  /** Column position x 4 + bound kind (inclusive start 2, inclusive end 1): fixes the WHERE. */
  readonly shape: number;
  readonly column: IndexColumn;
  /** The encoded lower and upper bounds. */
  readonly params: readonly [Buffer, Buffer];
  /** The range's key in the count cache: its shape and RxDB's bound strings (lengths first). */
  readonly countKey: string;
}

/** json_extract of top-level fields; each name is spliced into the SQL, so plain identifiers only. */
function extractedFields(fields: readonly string[]): string {
  for (const f of fields) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(f)) throw new Error(`not a top-level field name: ${f}`);
  }
  return fields.map((f) => `json_extract(data, '$.${f}')`).join(', ');
}

/** Distinct counts kept per table: the shapes an app asks are few; this only bounds a runaway. */
const MAX_CACHED_COUNTS = 256;

interface CachedDoc {
  readonly id: string;
  readonly rowid: number;
  readonly doc: unknown;
  readonly size: number;
  /** Second chance: set on each hit, cleared when eviction passes over the entry. */
  hit: boolean;
}

/**
 * Parsed documents of one table, by primary key and by rowid, bounded by the length of their JSON.
 * Coherent without revision checks: this process is the only writer of the file and every write
 * to the table goes through `bulkWrite`, `cleanup` or `remove`, which update or clear it after
 * their commit. Like RxDB's memory storage, the cached objects are handed out as they are and must
 * be treated as read-only (RxDB does; its dev-mode freezes them).
 */
export class DocumentCache {
  private readonly byId = new Map<string, CachedDoc>();
  private readonly byRowid = new Map<number, CachedDoc>();
  private bytes = 0;
  /**
   * Answers of count() by statement and bounds, dropped on every committed write to the table:
   * the pending banner and RxDB's count queries ask the same counts again and again between sales.
   */
  private readonly counts = new Map<string, number>();

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.byId.size;
  }

  /** Whether the document of this rowid is held, without counting it as a hit for eviction. */
  holdsRowid(rowid: number): boolean {
    return this.byRowid.has(rowid);
  }

  getById(id: string): unknown {
    const entry = this.byId.get(id);
    if (!entry) return undefined;
    entry.hit = true;
    return entry.doc;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  rowidOf(id: string): number | undefined {
    return this.byId.get(id)?.rowid;
  }

  getByRowid(rowid: number): unknown {
    const entry = this.byRowid.get(rowid);
    if (!entry) return undefined;
    entry.hit = true;
    return entry.doc;
  }

  set(id: string, rowid: number, doc: unknown, size: number): void {
    this.delete(id);
    if (size > this.maxBytes) return;
    const entry: CachedDoc = { id, rowid, doc, size, hit: false };
    this.byId.set(id, entry);
    this.byRowid.set(rowid, entry);
    this.bytes += size;
    if (this.bytes > this.maxBytes) this.evict();
  }

  delete(id: string): void {
    const entry = this.byId.get(id);
    if (!entry) return;
    this.byId.delete(id);
    this.byRowid.delete(entry.rowid);
    this.bytes -= entry.size;
  }

  clear(): void {
    this.byId.clear();
    this.byRowid.clear();
    this.bytes = 0;
    this.counts.clear();
  }

  getCount(key: string): number | undefined {
    return this.counts.get(key);
  }

  /** Kept only while the document cache is on (a 0-byte cache means no caching at all). */
  setCount(key: string, count: number): void {
    if (this.maxBytes === 0) return;
    if (this.counts.size >= MAX_CACHED_COUNTS) this.counts.clear();
    this.counts.set(key, count);
  }

  /** Called after every committed write to the table. */
  writesCommitted(): void {
    this.counts.clear();
  }

  /** Oldest first; an entry hit since it was (re)queued goes to the back once instead. */
  private evict(): void {
    const target = this.maxBytes * 0.9;
    for (const entry of this.byId.values()) {
      if (this.bytes <= target) break;
      this.byId.delete(entry.id);
      if (entry.hit) {
        entry.hit = false;
        this.byId.set(entry.id, entry);
      } else {
        this.byRowid.delete(entry.rowid);
        this.bytes -= entry.size;
      }
    }
  }
}

/**
 * The prepared statements of one collection table. Rows hold the document as JSON text plus the
 * columns SQL must filter on: primary key, deleted flag, last write time and one column per index.
 */
export class Table {
  readonly name: string;
  readonly q: string;
  readonly attachmentsQ: string;
  private readonly statements = new Map<string, Statement<Row>>();

  private readonly insertCols: string[];
  private readonly columnsByIndex: Map<string, IndexColumn>;
  /** The collection's text index, when its storage settings ask for one (text-search.ts). */
  readonly search: TextIndex | undefined;
  /**
   * Index range of each prepared query seen: RxDB keeps one PreparedQuery per RxQuery and runs it
   * again on every change, so its bounds are computed once.
   */
  readonly ranges = new WeakMap<object, IndexRange>();
  /** RxDB's plans name their index by the schema's own array: found by identity, joined once. */
  private readonly columnsByFields = new WeakMap<readonly string[], IndexColumn>();
  /** Range statements by shape code (query.ts): prepared once per shape, values bound per call. */
  private readonly rangeStatements = new Map<number, Statement<Row>>();

  constructor(
    readonly db: SqliteDatabase,
    name: string,
    readonly columns: readonly IndexColumn[],
    readonly withAttachments: boolean,
    readonly cache: DocumentCache,
    readonly primaryPath: string,
    textSearch?: TextSearchSpec,
  ) {
    this.name = name;
    this.q = quoteIdent(name);
    this.attachmentsQ = quoteIdent(`${name}__attachments`);
    this.insertCols = ['id', 'deleted', 'lwt', 'data', ...columns.map((c) => c.column)];
    this.columnsByIndex = new Map(columns.map((c) => [c.fields.join(','), c]));
    const existed = this.create();
    if (textSearch) {
      this.search = new TextIndex(db, name, textSearch);
      this.search.ensure(this.q, name, existed);
    }
  }

  // Statements are prepared on first use: opening a database prepares none it does not run.
  private lazy: Partial<Record<'byIds' | 'byId' | 'byRowids' | 'insert' | 'update', Statement<Row>>> = {};

  /** `[rowid, data]` of any number of ids: json_each() binds them all to one statement. */
  get selectByIds(): Statement<Row> {
    return (this.lazy.byIds ??= this.db
      .prepare(`SELECT rowid, data FROM ${this.q} WHERE id IN (SELECT value FROM json_each(?))`)
      .raw());
  }

  get selectById(): Statement<Row> {
    return (this.lazy.byId ??= this.db.prepare(`SELECT rowid, data FROM ${this.q} WHERE id = ?`).raw());
  }

  get selectByRowids(): Statement<Row> {
    return (this.lazy.byRowids ??= this.db
      .prepare(`SELECT rowid, data FROM ${this.q} WHERE rowid IN (SELECT value FROM json_each(?))`)
      .raw());
  }

  get insert(): Statement<Row> {
    const cols = this.insertCols;
    return (this.lazy.insert ??= this.db.prepare(
      `INSERT INTO ${this.q} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
    ));
  }

  get update(): Statement<Row> {
    return (this.lazy.update ??= this.db.prepare(
      `UPDATE ${this.q} SET ${this.insertCols
        .slice(1)
        .map((c) => `${c} = ?`)
        .join(', ')} WHERE id = ?`,
    ));
  }

  rowidOf(id: string): number | undefined {
    return this.statement(`SELECT rowid FROM ${this.q} WHERE id = ?`).pluck().get(id) as number | undefined;
  }

  /** `[rowid, ...fields]` of any number of rowids, each field by json_extract (top-level names only). */
  fieldsByRowids(fields: readonly string[]): Statement<Row> {
    return this.statement(
      `SELECT rowid, ${extractedFields(fields)} FROM ${this.q} WHERE rowid IN (SELECT value FROM json_each(?))`,
    ).raw();
  }

  /** `[rowid, ...fields]` of the rows of an index range (`where` from query.ts), one pass. */
  fieldsOfRange(fields: readonly string[], where: string): Statement<Row> {
    return this.statement(`SELECT rowid, ${extractedFields(fields)} FROM ${this.q} ${where}`).raw();
  }

  /** A row read from SQLite: the cached document for its rowid, or the parsed (and cached) JSON. */
  docOfRow(rowid: number, json: string, cacheIt = true): unknown {
    const cached = this.cache.getByRowid(rowid);
    if (cached) return cached;
    const doc = JSON.parse(json) as Record<string, unknown>;
    if (cacheIt) this.cache.set(doc[this.primaryPath] as string, rowid, doc, json.length);
    return doc;
  }

  /** Documents of the ids not in `hits`' cache: SQLite, parsed and cached. Each id at most once. */
  fetchByIds(ids: readonly string[]): unknown[] {
    if (ids.length === 1) {
      const row = this.selectById.get(ids[0]) as RawDocRow | undefined;
      return row ? [this.docOfRow(row[0], row[1])] : [];
    }
    return (this.selectByIds.all(JSON.stringify(ids)) as RawDocRow[]).map(([rowid, json]) =>
      this.docOfRow(rowid, json),
    );
  }

  /** Documents of these rowids, in the same order: the cache first, one batched read for the rest. */
  docsByRowids(rowids: readonly number[]): unknown[] {
    const out = new Array<unknown>(rowids.length);
    let missing: number[] | undefined;
    for (let i = 0; i < rowids.length; i++) {
      const doc = this.cache.getByRowid(rowids[i]!);
      if (doc === undefined) (missing ??= []).push(i);
      else out[i] = doc;
    }
    if (missing) {
      const read = new Map<number, unknown>();
      const wanted = JSON.stringify(missing.map((i) => rowids[i]));
      for (const [rowid, json] of this.selectByRowids.all(wanted) as RawDocRow[]) {
        read.set(rowid, this.docOfRow(rowid, json));
      }
      for (const i of missing) out[i] = read.get(rowids[i]!);
    }
    return out;
  }

  /** True when the table was already there (its rows may need indexing by a newer layout). */
  private create(): boolean {
    // Reopening an existing table runs no DDL: one lookup instead of parsing every CREATE again.
    // The first key column's index is named for the layout, so the same lookup tells an old file.
    const keyIndex = indexName(this.name, this.columns[0]!.column);
    const existing = this.db
      .prepare('SELECT name FROM sqlite_master WHERE name IN (?, ?, ?)')
      .pluck()
      .all(this.name, `${this.name}__attachments`, keyIndex) as string[];
    const existed = existing.includes(this.name);
    const current = existing.includes(keyIndex);
    if (existed && current && (!this.withAttachments || existing.includes(`${this.name}__attachments`))) {
      return true;
    }
    if (existed && !current) convertToKeyLayout(this.db, this.name, this.columns);
    const indexCols = this.columns.map((c) => `, ${c.column} BLOB NOT NULL`).join('');
    const ddl = [
      `CREATE TABLE IF NOT EXISTS ${this.q} (id TEXT PRIMARY KEY NOT NULL, deleted INTEGER NOT NULL, ` +
        `lwt REAL NOT NULL, data TEXT NOT NULL${indexCols})`,
      ...this.columns.map(
        (c) =>
          `CREATE INDEX IF NOT EXISTS ${quoteIdent(indexName(this.name, c.column))} ON ${this.q} (${c.column})`,
      ),
      // Partial: only tombstones are in it, so live writes do not pay for the cleanup index.
      `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${this.name}__tombstones`)} ON ${this.q} (lwt) WHERE deleted = 1`,
    ];
    if (this.withAttachments) {
      ddl.push(
        `CREATE TABLE IF NOT EXISTS ${this.attachmentsQ} (doc_id TEXT NOT NULL, attachment_id TEXT NOT NULL, ` +
          `digest TEXT NOT NULL, type TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (doc_id, attachment_id))`,
      );
    }
    withoutCommitFsync(this.db, () => this.db.transaction(() => ddl.forEach((sql) => this.db.exec(sql)))());
    return existed;
  }

  /** Statements are cached by their text: the query shapes per table are few. */
  statement(sql: string): Statement<Row> {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** The statement of a range shape, prepared by `prepare` the first time the shape is run. */
  rangeStatement(code: number, prepare: () => Statement<Row>): Statement<Row> {
    let stmt = this.rangeStatements.get(code);
    if (!stmt) {
      stmt = prepare();
      this.rangeStatements.set(code, stmt);
    }
    return stmt;
  }

  columnOf(fields: readonly string[]): IndexColumn {
    let found = this.columnsByFields.get(fields);
    if (!found) {
      found = this.column(fields.join(','));
      this.columnsByFields.set(fields, found);
    }
    return found;
  }

  column(indexKeyString: string): IndexColumn {
    const found = this.columnsByIndex.get(indexKeyString);
    if (!found) throw new Error(`no SQLite column for RxDB index [${indexKeyString}] in ${this.name}`);
    return found;
  }

  drop(): void {
    this.cache.clear();
    this.db.transaction(() => {
      this.search?.drop();
      this.db.exec(`DROP TABLE IF EXISTS ${this.q}`);
      this.db.exec(`DROP TABLE IF EXISTS ${this.attachmentsQ}`);
    })();
  }
}
