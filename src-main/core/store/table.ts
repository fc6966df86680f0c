import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { IndexColumn } from './indexes';
import type { SqliteDatabase } from './sqlite';

/** SQL identifiers come from collection names: quote them, never trust them. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** One table per collection and schema version, so a migration writes a new table beside the old. */
export function tableName(collectionName: string, schemaVersion: number): string {
  return `${collectionName}-${schemaVersion}`;
}

type Row = unknown[];

/**
 * The prepared statements of one collection table. Rows hold the document as JSON text plus the
 * columns SQL must filter on: primary key, deleted flag, last write time and one column per index.
 */
export class Table {
  readonly name: string;
  readonly q: string;
  readonly attachmentsQ: string;
  private readonly statements = new Map<string, Statement<Row>>();

  readonly selectByIds: Statement<Row, string>;
  readonly selectLiveByIds: Statement<Row, string>;
  readonly insert: Statement<Row>;
  readonly update: Statement<Row>;

  constructor(
    readonly db: SqliteDatabase,
    name: string,
    readonly columns: readonly IndexColumn[],
    readonly withAttachments: boolean,
  ) {
    this.name = name;
    this.q = quoteIdent(name);
    this.attachmentsQ = quoteIdent(`${name}__attachments`);
    this.create();
    // json_each() binds any number of ids to one cached statement; the IN uses the primary key.
    this.selectByIds = db
      .prepare<Row, string>(`SELECT data FROM ${this.q} WHERE id IN (SELECT value FROM json_each(?))`)
      .pluck();
    this.selectLiveByIds = db
      .prepare<Row, string>(
        `SELECT data FROM ${this.q} WHERE id IN (SELECT value FROM json_each(?)) AND deleted = 0`,
      )
      .pluck();
    const indexCols = columns.map((c) => c.column);
    const insertCols = ['id', 'deleted', 'lwt', 'data', ...indexCols];
    this.insert = db.prepare(
      `INSERT INTO ${this.q} (${insertCols.join(', ')}) VALUES (${insertCols.map(() => '?').join(', ')})`,
    );
    const sets = ['deleted', 'lwt', 'data', ...indexCols].map((c) => `${c} = ?`).join(', ');
    this.update = db.prepare(`UPDATE ${this.q} SET ${sets} WHERE id = ?`);
  }

  private create(): void {
    const indexCols = this.columns.map((c) => `, ${c.column} TEXT NOT NULL`).join('');
    const ddl = [
      `CREATE TABLE IF NOT EXISTS ${this.q} (id TEXT PRIMARY KEY NOT NULL, deleted INTEGER NOT NULL, ` +
        `lwt REAL NOT NULL, data TEXT NOT NULL${indexCols})`,
      ...this.columns.map(
        (c) =>
          `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${this.name}__${c.column}`)} ON ${this.q} (${c.column})`,
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
    this.db.transaction(() => ddl.forEach((sql) => this.db.exec(sql)))();
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

  column(indexKeyString: string): IndexColumn {
    const found = this.columns.find((c) => c.fields.join(',') === indexKeyString);
    if (!found) throw new Error(`no SQLite column for RxDB index [${indexKeyString}] in ${this.name}`);
    return found;
  }

  drop(): void {
    this.db.transaction(() => {
      this.db.exec(`DROP TABLE IF EXISTS ${this.q}`);
      this.db.exec(`DROP TABLE IF EXISTS ${this.attachmentsQ}`);
    })();
  }
}
