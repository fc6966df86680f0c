/**
 * The floor under each of RxDB's runPerformanceTests steps: raw better-sqlite3 (the project's build)
 * doing what one run of the suite makes a storage do, on the same documents, with no RxDB and no
 * code of ours. One call is one run of the suite, so bench/store.ts can alternate it with the
 * suite's own runs over our storage and memory storage: each side then meets the same disk (fsync
 * latency moved 10x between phases of one run) and the same load.
 *
 * Plain columns and only the indexes a step needs: the primary key (by-id reads, and the conflict
 * check an insert must make), averageSchema's 5 indexes after RxDB's defaults
 * ([_deleted, var1, id], [_deleted, var2, id], [_deleted, deep.deep1, id],
 * [_deleted, var2, var1, id], [_meta.lwt, id]), which every insert must maintain and the queries
 * walk, and the partial tombstone index ours keeps. The file is closed and opened again where the
 * suite reopens (outside the timer, with the insert into the second collection its reopen makes),
 * so reads meet an empty page cache as ours do, and documents are JSON text parsed by JSON.parse.
 */
import Database from 'better-sqlite3-multiple-ciphers';
import { join } from 'node:path';
import { createRevision, now } from 'rxdb';
import { averageSchemaData } from 'rxdb/plugins/test-utils';
import type { DatabaseKey } from '../../src-main/core/store/key';
import {
  applyConnectionSettings,
  openWithKey,
  removeDatabaseFiles,
  withoutCommitFsync,
  type SqliteDatabase,
} from '../../src-main/core/store/sqlite';

/** RxDB's internal store plus the suite's 4 collections: the tables its first insert finds made. */
const TABLES = 5;
const DOCS = 3000;
const BATCHES = 6;
const SERIAL = 50;
const PARALLEL = 4;
/** runPerformanceTests' waitBetweenTests as bench/store.ts runs it. */
const WAIT_MS = 20;

/**
 * - `full`: the app's settings: the key's cipher (AEGIS), synchronous FULL, WAL: the floor.
 * - `normal`: the same at synchronous NORMAL (no fsync per commit): diagnostic only.
 * - `plain`: FULL without the cipher: diagnostic only, what the page cipher costs.
 */
export type FloorVariant = 'full' | 'normal' | 'plain';

export type SuiteStep =
  | 'time-to-first-insert'
  | 'insert-documents-500'
  | 'find-by-ids-3000'
  | 'serial-inserts-50'
  | 'serial-find-by-id-50'
  | 'find-by-query'
  | 'find-by-query-parallel-4'
  | '4x-count';

type SuiteDoc = ReturnType<typeof suiteDoc>;

function suiteDoc(partial: Parameters<typeof averageSchemaData>[0] = {}) {
  return {
    ...averageSchemaData(partial),
    _deleted: false,
    _attachments: {},
    _meta: { lwt: now() },
    _rev: createRevision('bench'),
  };
}

function createTable(db: SqliteDatabase, t: number) {
  db.exec(`CREATE TABLE c${t} (id TEXT PRIMARY KEY NOT NULL, deleted INTEGER NOT NULL, lwt REAL NOT NULL,
    data TEXT NOT NULL, var1 TEXT, var2 INTEGER, deep1 TEXT);
    CREATE INDEX c${t}_1 ON c${t} (deleted, var1, id);
    CREATE INDEX c${t}_2 ON c${t} (deleted, var2, id);
    CREATE INDEX c${t}_3 ON c${t} (deleted, deep1, id);
    CREATE INDEX c${t}_4 ON c${t} (deleted, var2, var1, id);
    CREATE INDEX c${t}_5 ON c${t} (lwt, id);
    CREATE INDEX c${t}_6 ON c${t} (lwt) WHERE deleted = 1;`);
}

function open(path: string, key: DatabaseKey, variant: FloorVariant, create: boolean): SqliteDatabase {
  let db: SqliteDatabase | null;
  if (variant === 'plain') {
    db = new Database(path, { fileMustExist: !create });
    if (create) db.pragma('page_size = 8192');
    applyConnectionSettings(db);
  } else {
    db = openWithKey(path, key, create);
    if (!db) throw new Error('raw suite floor: key refused');
  }
  if (variant === 'normal') db.pragma('synchronous = NORMAL');
  return db;
}

/** One transaction per call, as a storage's bulkWrite: the JSON text and the indexed columns. */
function inserter(db: SqliteDatabase, t: number) {
  const stmt = db.prepare(
    `INSERT INTO c${t} (id, deleted, lwt, data, var1, var2, deep1) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const put = (d: SuiteDoc) =>
    stmt.run(d.id, 0, d._meta.lwt, JSON.stringify(d), d.var1, d.var2, d.deep.deep1);
  return db.transaction((docs: SuiteDoc[]) => docs.forEach(put));
}

const between = () => new Promise((r) => setTimeout(r, WAIT_MS));

/** The suite's first step on a new file: tables made (DDL without its own fsync, as ours), one durable insert. */
function createAndInsertFirst(path: string, key: DatabaseKey, variant: FloorVariant): SqliteDatabase {
  const db = open(path, key, variant, true);
  withoutCommitFsync(db, () =>
    db.transaction(() => Array.from({ length: TABLES }, (_, i) => createTable(db, i)))(),
  );
  if (variant === 'normal') db.pragma('synchronous = NORMAL');
  inserter(db, 1)([suiteDoc()]);
  return db;
}

/**
 * time-to-first-insert for a storage whose database key lives in the OS keychain, as ours must
 * (docs/store.md, "Encryption and keys"): `newKey` stores a new database's key and reads it back
 * (KeychainKeyProvider.keyForNewDatabase), then the floor's first step runs under that key. Only
 * that step: the other steps have no keychain work.
 */
export async function rawFirstInsertWithKeychain(
  dir: string,
  newKey: (name: string) => Promise<DatabaseKey>,
  run: number,
): Promise<Partial<Record<SuiteStep, number>>> {
  const name = `suite-floor-keychain-${run}`;
  const path = join(dir, `${name}.sqlite`);
  removeDatabaseFiles(path);
  await between();
  const t = performance.now();
  const key = await newKey(name);
  const db = createAndInsertFirst(path, key, 'full');
  const ms = performance.now() - t;
  db.close();
  removeDatabaseFiles(path);
  return { 'time-to-first-insert': ms };
}

/**
 * One run of the suite's steps on a new file in `dir` (removed after), ms per step. Steps with
 * several samples (the 6 batches of 500) report RxDB's averaging of them (the fastest 5 %: the
 * fastest), as one run of runPerformanceTests does.
 */
export async function rawSuiteRun(
  dir: string,
  key: DatabaseKey,
  variant: FloorVariant,
  run: number,
): Promise<Record<SuiteStep, number>> {
  const path = join(dir, `suite-floor-${variant}-${run}.sqlite`);
  removeDatabaseFiles(path);
  const out: Partial<Record<SuiteStep, number>> = {};
  let t = 0;
  const start = () => (t = performance.now());
  const stop = (step: SuiteStep) => (out[step] = Math.min(out[step] ?? Infinity, performance.now() - t));
  const parse = (rows: unknown[]) => rows.map((json) => JSON.parse(json as string) as unknown);
  const batches = Array.from({ length: BATCHES }, () =>
    Array.from({ length: DOCS / BATCHES }, (_, idx) =>
      suiteDoc({ var1: `${idx % 2}`, var2: idx % PARALLEL }),
    ),
  );
  const ids = batches.flat().map((d) => d.id);

  let db: SqliteDatabase | undefined;
  // The suite's reopen: RxDB's database closed and created again, then one insert into its second
  // collection, all before its timer starts.
  const reopen = async () => {
    db!.close();
    db = open(path, key, variant, false);
    inserter(db, 1)([suiteDoc()]);
    await between();
  };
  try {
    await between();
    start();
    db = createAndInsertFirst(path, key, variant);
    const d = db;
    stop('time-to-first-insert');
    await between();

    const insert = inserter(d, 0);
    for (const batch of batches) {
      start();
      insert(batch);
      stop('insert-documents-500');
      await between();
    }

    await reopen();
    const byIds = db.prepare('SELECT data FROM c0 WHERE id IN (SELECT value FROM json_each(?))').pluck();
    start();
    const found = parse(byIds.all(JSON.stringify(ids)));
    stop('find-by-ids-3000');
    if (found.length !== DOCS) throw new Error(`raw suite floor: ${found.length} of ${DOCS} by id`);
    await between();

    const insertOne = inserter(db, 0);
    const serial = Array.from({ length: SERIAL }, () => suiteDoc({ var2: 1000 }));
    start();
    for (const doc of serial) insertOne([doc]);
    stop('serial-inserts-50');

    await reopen();
    const byId = db.prepare('SELECT data FROM c0 WHERE id = ?').pluck();
    start();
    for (const doc of serial) JSON.parse(byId.get(doc.id) as string);
    stop('serial-find-by-id-50');
    await between();

    // selector {}, sort [var2, var1]: RxDB's plan walks [_deleted, var2, var1, id].
    const all = db.prepare('SELECT data FROM c0 WHERE deleted = 0 ORDER BY var2, var1, id').pluck();
    start();
    const queried = parse(all.all());
    stop('find-by-query');
    if (queried.length !== DOCS + SERIAL) throw new Error(`raw suite floor: query gave ${queried.length}`);

    await reopen();
    // { var2: idx }, sorted by the primary key: [_deleted, var2, id].
    const byVar2 = db.prepare('SELECT data FROM c0 WHERE deleted = 0 AND var2 = ? ORDER BY id').pluck();
    start();
    let sum = 0;
    for (let i = 0; i < PARALLEL; i++) sum += parse(byVar2.all(i)).length;
    stop('find-by-query-parallel-4');
    if (sum !== DOCS) throw new Error(`raw suite floor: parallel queries gave ${sum}`);
    await between();

    const count = db.prepare('SELECT count(*) FROM c0 WHERE deleted = 0 AND var2 = ?').pluck();
    start();
    for (let i = 0; i < PARALLEL; i++) count.get(i);
    stop('4x-count');
  } finally {
    db?.close();
    removeDatabaseFiles(path);
  }
  return out as Record<SuiteStep, number>;
}
