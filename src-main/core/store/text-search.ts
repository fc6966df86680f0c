import { quoteIdent } from './sql-ident';
import { withoutCommitFsync, type SqliteDatabase } from './sqlite';

/**
 * What a collection's text search indexes of one document. The caller folds (case, accents) as
 * its users type; the store only compares the folded strings it is given.
 */
export interface TextSearchEntry {
  /** Order of the results (SQLite BINARY order of this string). */
  sortKey: string;
  /** Matched anywhere: a query is found when it is a substring of it. */
  text: string;
  /** Matched from their start only (codes: sku, barcode). */
  prefixes: readonly string[];
}

export interface TextSearchSpec {
  /** Raise it when `entry` changes: the index of an existing file is then built again at open. */
  readonly version: number;
  entry(doc: Record<string, unknown>): TextSearchEntry;
}

/** FTS5's trigram tokenizer finds no token in a shorter query. */
const TRIGRAM = 3;
/** Marks the start of each prefix-matched code, so `instr(codes, MARK || q)` is a prefix test. */
const MARK = '\u0002';
/** Trigram candidates from which the ordered walk beats reading and sorting them (measured at 50,000). */
const DENSE = 4000;

/**
 * A collection's text index, in the same encrypted file and transaction as its rows: a table of
 * (rowid, sortKey, folded text, codes) with an index on sortKey, and an FTS5 trigram table over
 * text and codes that narrows a query of 3+ characters to the rows holding it. FTS5 runs inside
 * SQLite, so its pages are encrypted like every other page and nothing decrypted reaches the disk
 * (temp_store is MEMORY). The FTS table is contentless: it keeps only the trigram postings, the
 * text lives once, in the side table. Exact semantics always come from `instr` on the side table:
 * the trigram match only narrows.
 */
export class TextIndex {
  private readonly side: string;
  private readonly fts: string;
  private readonly stmts: Partial<
    Record<
      'put' | 'putFts' | 'del' | 'delFts' | 'all' | 'scan' | 'match' | 'candidates',
      ReturnType<SqliteDatabase['prepare']>
    >
  > = {};

  constructor(
    private readonly db: SqliteDatabase,
    table: string,
    private readonly spec: TextSearchSpec,
  ) {
    this.side = quoteIdent(`${table}__search${spec.version}`);
    this.fts = quoteIdent(`${table}__fts${spec.version}`);
  }

  /**
   * Creates the index when the file has none of this version (a file written before it existed,
   * or under an older spec): drops older versions and indexes every live row, in one transaction.
   */
  ensure(tableQ: string, tableName: string, withRows: boolean): void {
    const sideName = `${tableName}__search${this.spec.version}`;
    const exists = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
      .pluck()
      .get(sideName);
    if (exists) return;
    const stale = this.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND (name GLOB ? OR name GLOB ?)")
      .pluck()
      .all(`${tableName}__search[0-9]*`, `${tableName}__fts[0-9]*`) as string[];
    // Built again at the next open if lost before the next durable commit: no fsync of its own.
    withoutCommitFsync(this.db, () => this.build(stale, sideName, tableQ, withRows));
  }

  private build(stale: readonly string[], sideName: string, tableQ: string, withRows: boolean): void {
    this.db.transaction(() => {
      for (const name of stale) {
        // FTS5's shadow tables (…_data, _idx, …) go with their virtual table.
        if (/__(search|fts)\d+$/.test(name)) this.db.exec(`DROP TABLE IF EXISTS ${quoteIdent(name)}`);
      }
      // Clustered by sort key: a scan in result order reads one B-tree, no lookup per row.
      this.db.exec(
        `CREATE TABLE ${this.side} (sort TEXT NOT NULL, doc INTEGER NOT NULL, text TEXT NOT NULL, ` +
          `codes TEXT NOT NULL, PRIMARY KEY (sort, doc)) WITHOUT ROWID`,
      );
      this.db.exec(`CREATE INDEX ${quoteIdent(`${sideName}__doc`)} ON ${this.side} (doc)`);
      this.db.exec(
        `CREATE VIRTUAL TABLE ${this.fts} USING fts5(text, codes, content='', ` +
          `contentless_delete=1, tokenize='trigram')`,
      );
      if (withRows) {
        // Read first: better-sqlite3 runs no write while a statement of the connection iterates.
        const rows = this.db.prepare(`SELECT rowid, data FROM ${tableQ} WHERE deleted = 0`).raw().all() as [
          number,
          string,
        ][];
        for (const [rowid, json] of rows) this.put(rowid, JSON.parse(json) as Record<string, unknown>);
      }
    })();
  }

  /** Inside the caller's transaction: the row's entry, replacing any it had; none for a tombstone. */
  put(rowid: number, doc: Record<string, unknown>): void {
    this.remove(rowid);
    if (doc._deleted) return;
    const { sortKey, text, prefixes } = this.spec.entry(doc);
    const codes = prefixes.map((p) => MARK + p).join('');
    (this.stmts.put ??= this.db.prepare(
      `INSERT INTO ${this.side} (doc, sort, text, codes) VALUES (?, ?, ?, ?)`,
    )).run(rowid, sortKey, text, codes);
    (this.stmts.putFts ??= this.db.prepare(
      `INSERT INTO ${this.fts} (rowid, text, codes) VALUES (?, ?, ?)`,
    )).run(rowid, text, codes);
  }

  remove(rowid: number): void {
    const gone = (this.stmts.del ??= this.db.prepare(`DELETE FROM ${this.side} WHERE doc = ?`)).run(rowid);
    if (gone.changes > 0) {
      (this.stmts.delFts ??= this.db.prepare(`DELETE FROM ${this.fts} WHERE rowid = ?`)).run(rowid);
    }
  }

  /**
   * Rowids of the live documents whose text contains `query` or one of whose prefixes starts with
   * it, in sortKey order, at most `limit`. `query` must be folded as the entries were.
   */
  search(query: string, limit: number): number[] {
    if (limit <= 0) return [];
    if (query === '') {
      return (this.stmts.all ??= this.db.prepare(`SELECT doc FROM ${this.side} ORDER BY sort LIMIT ?`))
        .pluck()
        .all(limit) as number[];
    }
    const exact = `(instr(s.text, ?) > 0 OR instr(s.codes, ?) > 0)`;
    const scan = () =>
      (this.stmts.scan ??= this.db.prepare(
        `SELECT s.doc FROM ${this.side} s WHERE ${exact} ORDER BY s.sort LIMIT ?`,
      ))
        .pluck()
        .all(query, MARK + query, limit) as number[];
    // Below three characters the trigram index has no token: walk the entries in result order,
    // stopping at `limit` matches.
    if ([...query].length < TRIGRAM) return scan();
    const phrase = ftsPhrase(query);
    // Many candidates: matches are dense, the ordered walk stops early and sorts nothing. Few:
    // only they are read and sorted.
    const candidates = (this.stmts.candidates ??= this.db.prepare(
      `SELECT count(*) FROM (SELECT rowid FROM ${this.fts} WHERE ${this.fts} MATCH ? LIMIT ?)`,
    ))
      .pluck()
      .get(phrase, DENSE) as number;
    if (candidates >= DENSE) return scan();
    return (this.stmts.match ??= this.db.prepare(
      `SELECT s.doc FROM ${this.side} s WHERE s.doc IN (SELECT rowid FROM ${this.fts} WHERE ${this.fts} MATCH ?) ` +
        `AND ${exact} ORDER BY s.sort LIMIT ?`,
    ))
      .pluck()
      .all(phrase, query, MARK + query, limit) as number[];
  }

  drop(): void {
    this.db.exec(`DROP TABLE IF EXISTS ${this.fts}`);
    this.db.exec(`DROP TABLE IF EXISTS ${this.side}`);
  }
}

/** The query as one FTS5 string token: any character is literal inside double quotes ("" escapes). */
function ftsPhrase(query: string): string {
  return `"${query.replaceAll('"', '""')}"`;
}

/** Case and accents folded as the till's search does: "Éclair" and "eclair" are the same. */
export function foldText(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
