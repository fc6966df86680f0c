/**
 * Issue #21: one 500-document bulk insert (RxDB's insert-documents-500) and one 1000-sale bulk at
 * the storage interface, by phase, beside raw better-sqlite3 doing the same inserts. Ad hoc, not
 * part of `npm run bench -- store` (it explains two of its figures):
 *
 *   XDG_DATA_HOME=$(mktemp -d) dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon \
 *     --unlock --components=secrets >/dev/null && npx tsx bench/support/store-insert-phases.ts'
 *
 * BENCH_PROFILE=DIR also writes a CPU profile of the RxDB part (profile-top.ts reads it).
 *
 * 1. RxDB's step as the suite runs it: a new database with averageSchema's collection, 6 bulk
 *    inserts of 500 documents; per batch the wall time of `bulkInsert`, and the wall and CPU time of
 *    the storage's `bulkWrite` inside it; alternating with raw better-sqlite3 inserting the same
 *    documents (the suite floor's table: plain columns, its 5 indexes and the tombstone one).
 * 2. The same storage call taken apart, on a table of the app's sales: the conflict read of the
 *    ids, `categorizeBulkWriteRows`, `JSON.stringify`, the index keys, SQLite's inserts, the commit.
 *    The phases run the storage's own statements in one transaction, as `bulkWrite` does.
 */
import { join } from 'node:path';
import { categorizeBulkWriteRows, createRxDatabase, type RxStorage } from 'rxdb';
import { averageSchema, averageSchemaData } from 'rxdb/plugins/test-utils';
import { encodeIndexString, KeyScratch } from '../../src-main/core/store/index-key';
import { openWithKey, type SqliteDatabase } from '../../src-main/core/store/sqlite';
import { getRxStorageSqlite } from '../../src-main/core/store/storage';
import type { Table } from '../../src-main/core/store/table';
import { realKeychain, tempDir } from '../../src-main/core/store/test-support';
import { instance, makeSale } from '../store';
import { profiled } from './profile';

const ROUNDS = Number(process.env.PHASES_ROUNDS ?? 8);
const BATCHES = 6;
const DOCS = 500;
const SALES_BATCH = 1000;
const SALES_BATCHES = Number(process.env.PHASES_SALES_BATCHES ?? 30);

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return Math.round((s[Math.floor(s.length / 2)] ?? 0) * 1000) / 1000;
}

class Samples {
  readonly by = new Map<string, number[]>();
  add(name: string, value: number) {
    let list = this.by.get(name);
    if (!list) this.by.set(name, (list = []));
    list.push(value);
  }
  medians() {
    return Object.fromEntries([...this.by].map(([k, v]) => [k, { medianMs: median(v), n: v.length }]));
  }
}

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

/** The suite floor's table (store-suite-floors.ts) and its insert of one batch in one transaction. */
function rawFloor(db: SqliteDatabase) {
  db.exec(`CREATE TABLE c0 (id TEXT PRIMARY KEY NOT NULL, deleted INTEGER NOT NULL, lwt REAL NOT NULL,
    data TEXT NOT NULL, var1 TEXT, var2 INTEGER, deep1 TEXT);
    CREATE INDEX c0_1 ON c0 (deleted, var1, id); CREATE INDEX c0_2 ON c0 (deleted, var2, id);
    CREATE INDEX c0_3 ON c0 (deleted, deep1, id); CREATE INDEX c0_4 ON c0 (deleted, var2, var1, id);
    CREATE INDEX c0_5 ON c0 (lwt, id); CREATE INDEX c0_6 ON c0 (lwt) WHERE deleted = 1;`);
  const stmt = db.prepare('INSERT INTO c0 VALUES (?, 0, ?, ?, ?, ?, ?)');
  type Doc = ReturnType<typeof averageSchemaData> & { _meta: { lwt: number } };
  return db.transaction((docs: Doc[]) => {
    for (const d of docs) stmt.run(d.id, d._meta.lwt, JSON.stringify(d), d.var1, d.var2, d.deep.deep1);
  });
}

const keychain = await realKeychain();
const dir = tempDir('outpost-insert-phases-');
try {
  const storage = getRxStorageSqlite({ databaseDir: dir.path, keyProvider: keychain.keys });
  const rx = new Samples();
  // Times the storage's bulkWrite of the suite's collection inside RxDB's bulkInsert.
  let timing: { wall: number; cpu: number } | undefined;
  const timed = {
    ...storage,
    async createStorageInstance(params) {
      const inst = await storage.createStorageInstance({ ...params, options: {} });
      if (!params.collectionName.startsWith('col')) return inst;
      const bulkWrite = inst.bulkWrite.bind(inst);
      inst.bulkWrite = async (rows, context) => {
        const cpu = process.cpuUsage();
        const t = performance.now();
        const result = await bulkWrite(rows, context);
        timing = { wall: performance.now() - t, cpu: cpuMs(cpu) };
        return result;
      };
      return inst;
    },
  } as RxStorage<unknown, unknown>;
  const key = await keychain.keys.keyForNewDatabase('insert-phases-raw');
  await profiled('insert-documents-500', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const db = await createRxDatabase({ name: `phases${round}`, storage: timed, multiInstance: false });
      const { col } = await db.addCollections({ col: { schema: averageSchema() } });
      const raw = openWithKey(join(dir.path, `raw${round}.sqlite`), key, true)!;
      const rawInsert = rawFloor(raw);
      for (let b = 0; b < BATCHES; b++) {
        const docs = Array.from({ length: DOCS }, (_, idx) =>
          averageSchemaData({ var1: `${idx % 2}`, var2: idx % 4 }),
        );
        const rawDocs = docs.map((d) => ({ ...d, _deleted: false, _meta: { lwt: Date.now() } }));
        const runOurs = async () => {
          const cpu = process.cpuUsage();
          const t = performance.now();
          await col!.bulkInsert(docs);
          rx.add('RxDB bulkInsert, wall', performance.now() - t);
          rx.add('RxDB bulkInsert, CPU', cpuMs(cpu));
          rx.add('storage bulkWrite, wall', timing!.wall);
          rx.add('storage bulkWrite, CPU', timing!.cpu);
        };
        const runRaw = () => {
          const cpu = process.cpuUsage();
          const t = performance.now();
          rawInsert(rawDocs);
          rx.add('raw floor insert, wall', performance.now() - t);
          rx.add('raw floor insert, CPU', cpuMs(cpu));
        };
        if ((round + b) % 2 === 0) {
          await runOurs();
          runRaw();
        } else {
          runRaw();
          await runOurs();
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      raw.close();
      await db.remove();
    }
  });

  // The storage call by phase, on the app's sales (1000 per bulk, ids never written before).
  const phases = new Samples();
  const store = await instance(storage, 'phases-sales');
  const table = (store as unknown as { table: Table }).table;
  const primaryPath = 'id';
  for (let b = 0; b < SALES_BATCHES; b++) {
    const rows = Array.from({ length: SALES_BATCH }, (_, j) => ({
      document: makeSale(b * SALES_BATCH + j, 10, SALES_BATCHES * SALES_BATCH),
    }));
    const cpu = process.cpuUsage();
    let t = performance.now();
    const lap = (name: string) => {
      const now = performance.now();
      phases.add(name, now - t);
      t = now;
    };
    table.db.transaction(() => {
      const ids = rows.map((r) => r.document.id);
      const found = table.selectByIds.all(JSON.stringify(ids));
      lap('conflict read of the ids (json_each)');
      const result = categorizeBulkWriteRows(store, primaryPath, new Map(), rows, 'phases');
      lap('categorizeBulkWriteRows');
      if (found.length) throw new Error('ids were written before');
      const jsons = result.bulkInsertDocs.map((r) => JSON.stringify(r.document));
      lap('JSON.stringify');
      const strings = result.bulkInsertDocs.map((r) => table.columns.map((c) => c.indexString(r.document)));
      lap("index keys: RxDB's strings");
      const keys = strings.map((row) => row.map((k) => encodeIndexString(k)));
      lap('index keys: encoding (a Buffer each)');
      const scratch = new KeyScratch();
      for (const row of strings) {
        scratch.reset();
        for (const k of row) scratch.encode(k);
      }
      lap('index keys: encoding (KeyScratch, measured apart)');
      result.bulkInsertDocs.forEach(({ document: doc }, i) => {
        table.insert.run([doc.id, 0, doc._meta.lwt, jsons[i], ...keys[i]!]);
      });
      lap('SQLite inserts');
    })();
    lap('commit (fsync)');
    phases.add('whole, CPU', cpuMs(cpu));
  }
  const sales = new Samples();
  for (let b = 0; b < SALES_BATCHES; b++) {
    const rows = Array.from({ length: SALES_BATCH }, (_, j) => ({
      document: makeSale((SALES_BATCHES + b) * SALES_BATCH + j, 10, 2 * SALES_BATCHES * SALES_BATCH),
    }));
    const cpu = process.cpuUsage();
    const t = performance.now();
    await store.bulkWrite(rows, 'phases');
    sales.add('bulkWrite of 1000 sales, wall', performance.now() - t);
    sales.add('bulkWrite of 1000 sales, CPU', cpuMs(cpu));
  }
  await store.close();
  console.log(
    JSON.stringify(
      {
        rounds: ROUNDS,
        insertDocuments500: rx.medians(),
        salesBulkByPhase: phases.medians(),
        salesBulk: sales.medians(),
      },
      null,
      2,
    ),
  );
} finally {
  dir.remove();
  await keychain.cleanup();
}
