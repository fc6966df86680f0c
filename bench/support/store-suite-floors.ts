/**
 * Floors for RxDB's runPerformanceTests lines that write: raw better-sqlite3, same key, cipher,
 * page size and synchronous level as ours, doing what the suite's write lines make a storage do,
 * with no RxDB and no code of ours. The suite's averageSchema has 5 indexes after RxDB's defaults
 * ([_deleted, var1, id], [_deleted, var2, id], [_deleted, deep.deep1, id],
 * [_deleted, var2, var1, id], [_meta.lwt, id]); the raw table has them on plain columns, plus the
 * primary key and the partial tombstone index, as ours.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRevision, now } from 'rxdb';
import { averageSchemaData } from 'rxdb/plugins/test-utils';
import type { DatabaseKey } from '../../src-main/core/store/key';
import { openWithKey, withoutCommitFsync, type SqliteDatabase } from '../../src-main/core/store/sqlite';

/** RxDB's internal store plus the suite's 4 collections: the tables its first insert finds made. */
const TABLES = 5;

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

function suiteDoc(idx: number) {
  return {
    ...averageSchemaData({ var1: `${idx % 2}`, var2: idx % 4 }),
    _deleted: false,
    _attachments: {},
    _meta: { lwt: now() },
    _rev: createRevision('bench'),
  };
}

function inserter(db: SqliteDatabase, t: number) {
  const stmt = db.prepare(
    `INSERT INTO c${t} (id, deleted, lwt, data, var1, var2, deep1) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  return (d: ReturnType<typeof suiteDoc>) =>
    stmt.run(d.id, 0, d._meta.lwt, JSON.stringify(d), d.var1, d.var2, d.deep.deep1);
}

export interface SuiteFloorSamples {
  /** New file, the 5 tables with their indexes (DDL without its own fsync, as ours), one durable insert. */
  firstInsertMs: number[];
  /** 500 documents in one transaction into a table already holding the batches before it (6 a file). */
  insert500FullMs: number[];
  insert500NormalMs: number[];
}

/** `runs` fresh files, each: time to first insert, then 6 batches of 500 as the suite inserts them. */
export async function rawSuiteFloors(
  dir: string,
  key: DatabaseKey,
  runs: number,
): Promise<SuiteFloorSamples> {
  const out: SuiteFloorSamples = { firstInsertMs: [], insert500FullMs: [], insert500NormalMs: [] };
  for (let run = 0; run < runs * 2; run++) {
    const normal = run % 2 === 1;
    const path = join(dir, `suite-floor-${run}.sqlite`);
    const first = suiteDoc(0);
    const docs = Array.from({ length: 6 }, () => Array.from({ length: 500 }, (_, i) => suiteDoc(i)));
    await new Promise((r) => setTimeout(r, 20));
    const start = performance.now();
    const db = openWithKey(path, key, true);
    if (!db) throw new Error('raw suite floor: key refused on a new file');
    withoutCommitFsync(db, () =>
      db.transaction(() => Array.from({ length: TABLES }, (_, t) => createTable(db, t)))(),
    );
    const putFirst = inserter(db, 1);
    db.transaction(() => putFirst(first))();
    const firstMs = performance.now() - start;
    if (!normal) out.firstInsertMs.push(firstMs);
    if (normal) db.pragma('synchronous = NORMAL');
    const put = inserter(db, 0);
    for (const batch of docs) {
      await new Promise((r) => setTimeout(r, 20));
      const t = performance.now();
      db.transaction(() => batch.forEach(put))();
      (normal ? out.insert500NormalMs : out.insert500FullMs).push(performance.now() - t);
    }
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  }
  return out;
}
