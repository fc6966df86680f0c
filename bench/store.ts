/**
 * Local store benchmark: our encrypted SQLite RxStorage against RxDB's memory storage (reads) and
 * against raw better-sqlite3-multiple-ciphers doing the same work with the same key, cipher,
 * synchronous level and number of indexes (the limit). Targets are reported, never asserted.
 *
 *   npx tsx bench/store.ts            writes bench/results/store.json itself
 *   npm run bench -- store            same, through bench/run.ts
 * Env: BENCH_STORE_SCALE (default 1) scales the loop sizes; BENCH_STORE_SALES (default 1000000)
 * sizes the big database; BENCH_STORE_RXDB_RUNS (default 4) the runs of runPerformanceTests.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createRevision,
  fillWithDefaultSettings,
  normalizeMangoQuery,
  now,
  prepareQuery,
  type MangoQuery,
  type RxDocumentData,
  type RxJsonSchema,
  type RxStorage,
  type RxStorageInstance,
} from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { runPerformanceTests } from 'rxdb/plugins/test-utils';
import { openAppDatabase } from '../src-main/core/store/database';
import { saleSchema, type SaleDoc } from '../src-main/core/store/schemas/index';
import { openWithKey, SYNCHRONOUS } from '../src-main/core/store/sqlite';
import { getRxStorageSqlite, type RxStorageSqlite } from '../src-main/core/store/storage';
import { realKeychain, tempDir, type RealKeychain } from '../src-main/core/store/test-support';

const SCALE = Number(process.env.BENCH_STORE_SCALE ?? 1);
const BIG_SALES = Number(process.env.BENCH_STORE_SALES ?? 1_000_000);
const RXDB_RUNS = Number(process.env.BENCH_STORE_RXDB_RUNS ?? 4);
const BULK_DOCS = Math.round(20_000 * SCALE);
const BULK_BATCH = 1000;
const SERIAL_INSERTS = Math.round(300 * SCALE);
const READ_REPS = Math.round(300 * SCALE);
const TERMINALS = 20;
const DAY = 86_400_000;
const DAY0 = Date.UTC(2025, 0, 1);

type Sale = RxDocumentData<SaleDoc>;
type Instance = RxStorageInstance<SaleDoc, unknown, unknown>;
const schema: RxJsonSchema<Sale> = fillWithDefaultSettings(saleSchema);
/** Sales schema version 1: id fields at maxLength 64 (version 2 has 40; RxDB pads index strings). */
const wideIdSchema: RxJsonSchema<Sale> = fillWithDefaultSettings({
  ...saleSchema,
  version: 1,
  properties: {
    ...saleSchema.properties,
    id: { type: 'string', maxLength: 64 },
    deviceId: { type: 'string', maxLength: 64 },
  },
});

interface Stats {
  n: number;
  medianMs: number;
  p99Ms: number;
  totalMs: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    n: samples.length,
    medianMs: round(at(0.5)),
    p99Ms: round(at(0.99)),
    totalMs: round(samples.reduce((a, b) => a + b, 0)),
  };
}

async function time(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Deterministic sales: `total` sales over `days` days and TERMINALS terminals, spread evenly. */
function makeSale(i: number, days: number, total: number): Sale {
  const terminal = i % TERMINALS;
  const perDay = Math.max(1, Math.floor(total / days));
  const day = Math.floor(i / perDay) % days;
  const createdAt = DAY0 + day * DAY + (i % perDay) * Math.floor(DAY / perDay);
  const qty = 1 + (i % 3);
  const amount = 1500 * qty;
  return {
    id: `sale-${String(i).padStart(9, '0')}`,
    deviceId: `pos-${String(terminal).padStart(3, '0')}`,
    seq: i,
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
    createdAt,
    currency: 'XOF',
    totalMinor: amount,
    lines: [
      {
        sku: `sku-${i % 500}`,
        name: 'Riz parfumé 1kg',
        qty,
        unitPriceMinor: 1500,
        taxRate: 1800,
        totalMinor: amount,
      },
    ],
    tenders: [{ kind: 'cash', amountMinor: amount }],
    status: i % 10 === 0 ? 'queued' : 'recorded',
    online: i % 4 !== 0,
    _deleted: false,
    _attachments: {},
    _meta: { lwt: now() },
    _rev: createRevision('bench'),
  };
}

function prepared(mango: MangoQuery<SaleDoc>) {
  const selector = { ...mango.selector, _deleted: { $eq: false } } as MangoQuery<SaleDoc>['selector'];
  return prepareQuery(schema, normalizeMangoQuery(schema, { ...mango, selector }));
}

function todayQuery(terminal: number, day: number): MangoQuery<SaleDoc> {
  return {
    selector: {
      deviceId: `pos-${String(terminal).padStart(3, '0')}`,
      createdAt: { $gte: DAY0 + day * DAY, $lt: DAY0 + (day + 1) * DAY },
    },
    sort: [{ createdAt: 'asc' }],
  };
}

async function instance(
  storage: RxStorage<unknown, unknown>,
  databaseName: string,
  withSchema: RxJsonSchema<Sale> = schema,
): Promise<Instance> {
  return (await storage.createStorageInstance<SaleDoc>({
    databaseInstanceToken: 'bench',
    databaseName,
    collectionName: 'sales',
    schema: withSchema,
    options: {},
    multiInstance: false,
    devMode: false,
  })) as Instance;
}

interface LoopResult {
  bulkInsert?: Stats & { docsPerSec: number };
  serialInsert?: Stats;
  findByIds: Stats;
  /** Same 10 ids read again right after (ours: document cache hits). */
  findByIdsRepeat?: Stats;
  findOneById: Stats;
  indexedQuery: Stats & { docsPerQuery: number };
  count: Stats;
}

/** Our loop, on any RxStorage instance (ours or memory). */
async function storageLoop(store: Instance, withWrites: boolean): Promise<LoopResult> {
  const days = 10;
  const bulk: number[] = [];
  for (let i = 0; i < BULK_DOCS; i += BULK_BATCH) {
    const rows = Array.from({ length: BULK_BATCH }, (_, j) => ({
      document: makeSale(i + j, days, BULK_DOCS),
    }));
    bulk.push(await time(() => store.bulkWrite(rows, 'bench')));
  }
  const serial: number[] = [];
  if (withWrites) {
    for (let i = 0; i < SERIAL_INSERTS; i++) {
      const document = makeSale(BULK_DOCS + i, days, BULK_DOCS);
      serial.push(await time(() => store.bulkWrite([{ document }], 'bench')));
    }
  }
  return { ...(await readLoop(store, days)), ...(withWrites ? writeStats(bulk, serial) : {}) };
}

/** Bulk insert only, for comparing schemas within one run. */
async function bulkOnly(store: Instance) {
  const bulk: number[] = [];
  for (let i = 0; i < BULK_DOCS; i += BULK_BATCH) {
    const rows = Array.from({ length: BULK_BATCH }, (_, j) => ({
      document: makeSale(i + j, 10, BULK_DOCS),
    }));
    bulk.push(await time(() => store.bulkWrite(rows, 'bench')));
  }
  const b = stats(bulk);
  return { ...b, docsPerSec: Math.round((BULK_DOCS / b.totalMs) * 1000) };
}

function writeStats(bulk: number[], serial: number[]) {
  const b = stats(bulk);
  return {
    bulkInsert: { ...b, docsPerSec: Math.round((BULK_DOCS / b.totalMs) * 1000) },
    serialInsert: stats(serial),
  };
}

async function readLoop(store: Instance, days: number) {
  const byIds: number[] = [];
  const byIdsRepeat: number[] = [];
  const oneById: number[] = [];
  const query: number[] = [];
  const count: number[] = [];
  let docsPerQuery = 0;
  const plans = new Map<string, { query: ReturnType<typeof prepared>; count: ReturnType<typeof prepared> }>();
  for (let r = 0; r < READ_REPS; r++) {
    const ids = Array.from(
      { length: 10 },
      (_, k) => `sale-${String((r * 7919 + k * 104729) % BULK_DOCS).padStart(9, '0')}`,
    );
    byIds.push(await time(() => store.findDocumentsById(ids, false)));
    // The same ids again: served by the document cache (the first read above parsed them).
    byIdsRepeat.push(await time(() => store.findDocumentsById(ids, false)));
    const one = [`sale-${String((r * 6151) % BULK_DOCS).padStart(9, '0')}`];
    oneById.push(await time(() => store.findDocumentsById(one, false)));
    // RxDB plans the query before it reaches a storage: planning is not the storage's time. It
    // keeps one PreparedQuery per RxQuery (and one RxQuery per mango query in its query cache), so
    // a query asked again reaches the storage as the same object: so here too.
    const key = `${r % TERMINALS}:${r % days}`;
    let plan = plans.get(key);
    if (!plan) {
      const q = todayQuery(r % TERMINALS, r % days);
      plan = { query: prepared(q), count: prepared({ selector: q.selector }) };
      plans.set(key, plan);
    }
    const { query: planned, count: plannedCount } = plan;
    query.push(
      await time(async () => {
        docsPerQuery = (await store.query(planned)).documents.length;
      }),
    );
    count.push(await time(() => store.count(plannedCount)));
  }
  return {
    findByIds: stats(byIds),
    findByIdsRepeat: stats(byIdsRepeat),
    findOneById: stats(oneById),
    indexedQuery: { ...stats(query), docsPerQuery },
    count: stats(count),
  };
}

/** The limit: the same rows, key, cipher, synchronous level and number of indexes, no RxDB. */
function rawLoop(path: string, key: Buffer): LoopResult {
  const db = openWithKey(path, key, true);
  if (!db) throw new Error('raw database refused its key');
  db.exec(`CREATE TABLE sales (id TEXT PRIMARY KEY NOT NULL, deviceId TEXT NOT NULL, createdAt INTEGER NOT NULL,
    status TEXT NOT NULL, seq INTEGER NOT NULL, lwt REAL NOT NULL, deleted INTEGER NOT NULL, data TEXT NOT NULL)`);
  // Same count as ours: one per RxDB index ([deviceId,createdAt], [status,createdAt], [deviceId,seq],
  // [_meta.lwt,id]) plus the tombstone index, which is partial (empty) there too.
  db.exec(`CREATE INDEX s1 ON sales (deleted, deviceId, createdAt, id);
    CREATE INDEX s2 ON sales (deleted, status, createdAt, id);
    CREATE INDEX s3 ON sales (deleted, deviceId, seq, id);
    CREATE INDEX s4 ON sales (lwt, id);
    CREATE INDEX s5 ON sales (lwt) WHERE deleted = 1;`);
  const insert = db.prepare(
    'INSERT INTO sales (id, deviceId, createdAt, status, seq, lwt, deleted, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const put = (d: Sale) =>
    insert.run(d.id, d.deviceId, d.createdAt, d.status, d.seq, d._meta.lwt, 0, JSON.stringify(d));
  const days = 10;
  const bulk: number[] = [];
  for (let i = 0; i < BULK_DOCS; i += BULK_BATCH) {
    const docs = Array.from({ length: BULK_BATCH }, (_, j) => makeSale(i + j, days, BULK_DOCS));
    const start = performance.now();
    db.transaction(() => docs.forEach(put))();
    bulk.push(performance.now() - start);
  }
  const serial: number[] = [];
  for (let i = 0; i < SERIAL_INSERTS; i++) {
    const doc = makeSale(BULK_DOCS + i, days, BULK_DOCS);
    const start = performance.now();
    db.transaction(() => put(doc))();
    serial.push(performance.now() - start);
  }
  const byIdsStmt = db.prepare('SELECT data FROM sales WHERE id IN (SELECT value FROM json_each(?))').pluck();
  const byIdStmt = db.prepare('SELECT data FROM sales WHERE id = ?').pluck();
  const queryStmt = db
    .prepare(
      'SELECT data FROM sales WHERE deleted = 0 AND deviceId = ? AND createdAt >= ? AND createdAt < ? ORDER BY createdAt, id',
    )
    .pluck();
  const countStmt = db
    .prepare(
      'SELECT count(*) FROM sales WHERE deleted = 0 AND deviceId = ? AND createdAt >= ? AND createdAt < ?',
    )
    .pluck();
  const byIds: number[] = [];
  const oneById: number[] = [];
  const query: number[] = [];
  const count: number[] = [];
  let docsPerQuery = 0;
  for (let r = 0; r < READ_REPS; r++) {
    const ids = Array.from(
      { length: 10 },
      (_, k) => `sale-${String((r * 7919 + k * 104729) % BULK_DOCS).padStart(9, '0')}`,
    );
    let start = performance.now();
    (byIdsStmt.all(JSON.stringify(ids)) as string[]).map((j) => JSON.parse(j) as Sale);
    byIds.push(performance.now() - start);
    const one = `sale-${String((r * 6151) % BULK_DOCS).padStart(9, '0')}`;
    start = performance.now();
    JSON.parse(byIdStmt.get(one) as string);
    oneById.push(performance.now() - start);
    const terminal = `pos-${String(r % TERMINALS).padStart(3, '0')}`;
    const from = DAY0 + (r % days) * DAY;
    start = performance.now();
    docsPerQuery = (queryStmt.all(terminal, from, from + DAY) as string[]).map(
      (j) => JSON.parse(j) as Sale,
    ).length;
    query.push(performance.now() - start);
    start = performance.now();
    countStmt.get(terminal, from, from + DAY);
    count.push(performance.now() - start);
  }
  db.close();
  return {
    ...writeStats(bulk, serial),
    findByIds: stats(byIds),
    findOneById: stats(oneById),
    indexedQuery: { ...stats(query), docsPerQuery },
    count: stats(count),
  };
}

/** Builds the big database through our storage, then times cold opens + today's query. */
async function bigDatabase(storage: RxStorageSqlite, keychain: RealKeychain, dataDir: string) {
  const name = 'bigsales';
  const days = 365;
  const buildStart = performance.now();
  const store = await instance(storage, name);
  const batch = 5000;
  for (let i = 0; i < BIG_SALES; i += batch) {
    const rows = Array.from({ length: Math.min(batch, BIG_SALES - i) }, (_, j) => ({
      document: makeSale(i + j, days, BIG_SALES),
    }));
    await store.bulkWrite(rows, 'bench-build');
  }
  await store.close();
  const buildSeconds = Math.round((performance.now() - buildStart) / 100) / 10;
  const fileMB = Math.round(statSync(storage.filePath(name)).size / 1e5) / 10;

  const storageOpen: number[] = [];
  const appOpen: number[] = [];
  const appOpenNoValidate: number[] = [];
  let rows = 0;
  for (let rep = 0; rep < 5; rep++) {
    // Without ajv first: rep 0 is then the first open of the process (JIT cold, no validator);
    // the first ajv open right after it still compiles the six validators.
    const q0 = todayQuery(rep % TERMINALS, 200 + rep);
    const start0 = performance.now();
    const plain = await openAppDatabase({ dataDir, keyStore: keychain.keyStore, name, validate: false });
    const plainRows = (await plain.rx.sales.find(q0).exec()).length;
    appOpenNoValidate.push(performance.now() - start0);
    await plain.close();
    if (plainRows === 0) throw new Error('no sales found without validator');
    const q = todayQuery(rep % TERMINALS, 200 + rep);
    // Timed until the answer is there (closing is not part of answering).
    // Storage level: keychain read, decrypt-open, prepare, indexed range query.
    let start = performance.now();
    const s = await instance(storage, name);
    const storageRows = (await s.query(prepared(q))).documents.length;
    storageOpen.push(performance.now() - start);
    await s.close();
    // Outside production the app opens with ajv: openAppDatabase (RxDB, 6 collections) then the query.
    start = performance.now();
    const app = await openAppDatabase({ dataDir, keyStore: keychain.keyStore, name, validate: true });
    rows = (await app.rx.sales.find(q).exec()).length;
    appOpen.push(performance.now() - start);
    await app.close();
    if (rows !== storageRows) throw new Error(`storage found ${storageRows} sales, RxDB ${rows}`);
  }
  return {
    sales: BIG_SALES,
    terminals: TERMINALS,
    days,
    buildSeconds,
    fileMB,
    todayRowsPerTerminal: rows,
    openAndQueryStorageLevel: stats(storageOpen),
    openAndQueryAppDatabase: stats(appOpen),
    openAndQueryAppDatabaseNoValidator: stats(appOpenNoValidate),
    /** The first open of the process, without the ajv validator (validate: false). */
    firstOpenNoValidatorMs: Math.round((appOpenNoValidate[0] ?? 0) * 1000) / 1000,
    /** The first open with ajv: second open of the process, validators compiled for the first time. */
    firstOpenAndQueryAppDatabaseMs: Math.round((appOpen[0] ?? 0) * 1000) / 1000,
  };
}

/**
 * Diagnostic only, never the app's setting: the same storage with `synchronous = NORMAL` on each
 * connection it opens, so RxDB's suite shows how much of its write figures is the fsync per commit
 * (memory storage has none).
 */
function withSynchronousNormal(storage: RxStorageSqlite): RxStorage<unknown, unknown> {
  return {
    name: storage.name,
    rxdbVersion: storage.rxdbVersion,
    async createStorageInstance(params) {
      const inst = await storage.createStorageInstance({ ...params, options: {} });
      inst.internals.db.pragma('synchronous = NORMAL');
      return inst;
    },
  } as RxStorage<unknown, unknown>;
}

/** Keychain round trips a new database (get, set, read back) and an open (two gets) pay. */
async function keychainTimes(keychain: RealKeychain) {
  const create: number[] = [];
  const read: number[] = [];
  for (let i = 0; i < 10; i++) {
    const name = `probe${i}`;
    create.push(await time(() => keychain.keys.keyForNewDatabase(name)));
    read.push(await time(() => keychain.keys.keysForExistingDatabase(name)));
  }
  return { newDatabaseKey: stats(create), existingDatabaseKeys: stats(read) };
}

const CHILD_ENV = 'BENCH_STORE_FIRST_OPEN';

/**
 * The first open of a fresh process, as at app start: a child process (this file) imports the
 * store, opens the app database (production default: no ajv) and runs today's query.
 */
async function firstOpenInFreshProcess(dataDir: string, service: string, name: string, runs: number) {
  const { execFileSync } = await import('node:child_process');
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const text = execFileSync(process.execPath, ['--import', 'tsx', import.meta.filename], {
      env: { ...process.env, [CHILD_ENV]: JSON.stringify({ dataDir, service, name, rep: i }) },
      encoding: 'utf8',
    });
    out.push(Number(/FIRST_OPEN_MS=([\d.]+)/.exec(text)?.[1] ?? NaN));
  }
  return stats(out);
}

async function childFirstOpen(spec: { dataDir: string; service: string; name: string; rep: number }) {
  const { KeytarKeyStore } = await import('../native/index');
  const keyStore = new KeytarKeyStore({ service: spec.service });
  // keytar's native module is loaded at app start for the device identity before the database opens.
  await keyStore.get('bench-warm-up');
  const start = performance.now();
  const app = await openAppDatabase({ dataDir: spec.dataDir, keyStore, name: spec.name, validate: false });
  const rows = (await app.rx.sales.find(todayQuery(spec.rep % TERMINALS, 100 + spec.rep)).exec()).length;
  const ms = performance.now() - start;
  await app.close();
  if (rows === 0) throw new Error('no sales found');
  console.log(`FIRST_OPEN_MS=${ms}`);
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || b === 0) return null;
  return Math.round((a / b) * 100) / 100;
}

export async function run(): Promise<Record<string, unknown>> {
  const keychain = await realKeychain();
  const dir = tempDir('outpost-bench-store-');
  const started = performance.now();
  try {
    const storage = getRxStorageSqlite({ databaseDir: dir.path, keyProvider: keychain.keys });
    const memory = getRxStorageMemory() as RxStorage<unknown, unknown>;

    console.log('runPerformanceTests (RxDB test-utils)...');
    const perfConfig = { runs: RXDB_RUNS, waitBetweenTests: 20, log: false };
    const rxdbOurs = await runPerformanceTests(storage, 'outpost-sqlite', perfConfig);
    const rxdbMemory = await runPerformanceTests(memory, 'memory', perfConfig);
    const rxdbOursNormal = await runPerformanceTests(
      withSynchronousNormal(storage),
      'outpost-sqlite-normal',
      perfConfig,
    );
    const ratiosTo = (ours: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(ours)
          .filter(([, v]) => typeof v === 'number')
          .map(([k, v]) => [k, ratio(v as number, rxdbMemory[k] as number)]),
      );
    const rxdbRatios = ratiosTo(rxdbOurs);
    const rxdbRatiosNormal = ratiosTo(rxdbOursNormal);
    const keychainMs = await keychainTimes(keychain);

    console.log(`own loop: ${BULK_DOCS} bulk, ${SERIAL_INSERTS} serial, ${READ_REPS} reads...`);
    const oursStore = await instance(storage, 'loop');
    const ours = await storageLoop(oursStore, true);
    await oursStore.close();
    // Miss path: the same file reopened with the document cache off (every read parses rows).
    const noCache = getRxStorageSqlite({
      databaseDir: dir.path,
      keyProvider: keychain.keys,
      documentCacheBytes: 0,
    });
    const coldStore = await instance(noCache, 'loop');
    const oursNoCache = await readLoop(coldStore, 10);
    await coldStore.close();
    // Bulk insert with the id fields at maxLength 64 (sales version 1) and 40 (version 2, the app's).
    const longStore = await instance(storage, 'loop-long-ids', wideIdSchema);
    const longIds = await bulkOnly(longStore);
    await longStore.close();
    const shortStore = await instance(storage, 'loop-short-ids');
    const shortIds = await bulkOnly(shortStore);
    await shortStore.close();
    const memStore = await instance(memory, `loop-${Date.now()}`);
    const mem = await storageLoop(memStore, false);
    await memStore.remove();
    const rawKey = (await keychain.keyStore.get('db-key:loop'))!;
    const raw = rawLoop(join(dir.path, 'raw.sqlite'), rawKey);

    console.log(`big database: ${BIG_SALES} sales...`);
    const big = await bigDatabase(storage, keychain, dir.path);
    const freshProcess = await firstOpenInFreshProcess(dir.path, keychain.service, 'bigsales', 5);

    const targets = {
      readsWithin2xOfMemory: {
        target: '<= 2',
        findByIds: ratio(ours.findByIds.medianMs, mem.findByIds.medianMs),
        findByIdsRepeat: ratio(ours.findByIdsRepeat?.medianMs, mem.findByIdsRepeat?.medianMs),
        findOneById: ratio(ours.findOneById.medianMs, mem.findOneById.medianMs),
        indexedQuery: ratio(ours.indexedQuery.medianMs, mem.indexedQuery.medianMs),
        count: ratio(ours.count.medianMs, mem.count.medianMs),
        noCache: {
          findByIds: ratio(oursNoCache.findByIds.medianMs, mem.findByIds.medianMs),
          findOneById: ratio(oursNoCache.findOneById.medianMs, mem.findOneById.medianMs),
          indexedQuery: ratio(oursNoCache.indexedQuery.medianMs, mem.indexedQuery.medianMs),
          count: ratio(oursNoCache.count.medianMs, mem.count.medianMs),
        },
        rxdbSuite: {
          findByIds3000: rxdbRatios['find-by-ids-3000'],
          serialFindById50: rxdbRatios['serial-find-by-id-50'],
          findByQuery: rxdbRatios['find-by-query'],
          count4x: rxdbRatios['4x-count'],
        },
      },
      bulkInsertVsRaw: {
        target: '>= 0.5 (throughput ours/raw)',
        value: ratio(ours.bulkInsert?.docsPerSec, raw.bulkInsert?.docsPerSec),
      },
      serialInsertP99VsRaw: {
        target: '<= 3',
        value: ratio(ours.serialInsert?.p99Ms, raw.serialInsert?.p99Ms),
      },
      open1MAndTodayQueryMs: {
        target: '< 50',
        appDatabaseMedian: big.openAndQueryAppDatabase.medianMs,
        appDatabaseNoValidatorMedian: big.openAndQueryAppDatabaseNoValidator.medianMs,
        firstOpenNoValidator: big.firstOpenNoValidatorMs,
        firstOpenWithValidator: big.firstOpenAndQueryAppDatabaseMs,
        freshProcessFirstOpenMedian: freshProcess.medianMs,
        storageLevelMedian: big.openAndQueryStorageLevel.medianMs,
      },
    };
    const result = {
      config: {
        scale: SCALE,
        bulkDocs: BULK_DOCS,
        serialInserts: SERIAL_INSERTS,
        readReps: READ_REPS,
        synchronous: SYNCHRONOUS,
        rxdbRuns: RXDB_RUNS,
      },
      rxdbPerformanceTests: {
        ours: rxdbOurs,
        memory: rxdbMemory,
        ratioOursToMemory: rxdbRatios,
        oursSynchronousNormal: rxdbOursNormal,
        ratioOursSynchronousNormalToMemory: rxdbRatiosNormal,
      },
      keychainMs,
      loop: { ours, oursNoCache, memory: mem, raw },
      bulkInsertIdMaxLength: {
        maxLength64: longIds,
        maxLength40: shortIds,
        ratio40To64: ratio(shortIds.docsPerSec, longIds.docsPerSec),
        ratio40ToRaw: ratio(shortIds.docsPerSec, raw.bulkInsert?.docsPerSec),
      },
      loopRatios: {
        oursToMemory: {
          findByIds: ratio(ours.findByIds.medianMs, mem.findByIds.medianMs),
          indexedQuery: ratio(ours.indexedQuery.medianMs, mem.indexedQuery.medianMs),
          count: ratio(ours.count.medianMs, mem.count.medianMs),
        },
        oursToRaw: {
          bulkInsertThroughput: ratio(ours.bulkInsert?.docsPerSec, raw.bulkInsert?.docsPerSec),
          serialInsertMedian: ratio(ours.serialInsert?.medianMs, raw.serialInsert?.medianMs),
          serialInsertP99: ratio(ours.serialInsert?.p99Ms, raw.serialInsert?.p99Ms),
          findByIds: ratio(ours.findByIds.medianMs, raw.findByIds.medianMs),
          indexedQuery: ratio(ours.indexedQuery.medianMs, raw.indexedQuery.medianMs),
          count: ratio(ours.count.medianMs, raw.count.medianMs),
        },
      },
      bigDatabase: { ...big, firstOpenInFreshProcess: freshProcess },
      targets,
      totalSeconds: Math.round((performance.now() - started) / 1000),
    };
    printTable(result.rxdbPerformanceTests, result.loop, targets, big);
    console.log('no cache (miss path):', JSON.stringify(oursNoCache));
    console.log('bulk insert by id maxLength:', JSON.stringify(result.bulkInsertIdMaxLength));
    return result;
  } finally {
    dir.remove();
    await keychain.cleanup();
  }
}

function printTable(
  rx: { ours: Record<string, unknown>; memory: Record<string, unknown> },
  loop: { ours: LoopResult; memory: LoopResult; raw: LoopResult },
  targets: Record<string, unknown>,
  big: Awaited<ReturnType<typeof bigDatabase>>,
) {
  const pad = (s: unknown, n: number) => String(s ?? '-').padEnd(n);
  console.log('\nRxDB runPerformanceTests (ms, RxDB averaging)');
  console.log(pad('metric', 34) + pad('ours', 12) + pad('memory', 12) + 'ours/memory');
  for (const [k, v] of Object.entries(rx.ours)) {
    if (typeof v !== 'number') continue;
    const m = rx.memory[k] as number;
    console.log(pad(k, 34) + pad(v, 12) + pad(m, 12) + String(ratio(v, m)));
  }
  console.log('\nOwn loop (median / p99 ms)');
  console.log(
    pad('operation', 22) + pad('ours', 20) + pad('memory', 20) + pad('raw sqlite', 20) + 'ours/raw (median)',
  );
  const row = (label: string, pick: (r: LoopResult) => Stats | undefined) => {
    const [o, m, r] = [pick(loop.ours), pick(loop.memory), pick(loop.raw)];
    const cell = (s: Stats | undefined) => (s ? `${s.medianMs} / ${s.p99Ms}` : '-');
    console.log(
      pad(label, 22) +
        pad(cell(o), 20) +
        pad(cell(m), 20) +
        pad(cell(r), 20) +
        String(ratio(o?.medianMs, r?.medianMs)),
    );
  };
  row(`bulk insert x${BULK_BATCH}`, (r) => r.bulkInsert);
  row('serial insert (1/tx)', (r) => r.serialInsert);
  row('find 10 by id', (r) => r.findByIds);
  row('same 10 again', (r) => r.findByIdsRepeat);
  row('find 1 by id', (r) => r.findOneById);
  row('today query', (r) => r.indexedQuery);
  row('count', (r) => r.count);
  console.log(
    `\nbulk throughput: ours ${loop.ours.bulkInsert?.docsPerSec} docs/s, raw ${loop.raw.bulkInsert?.docsPerSec} docs/s`,
  );
  console.log(
    `big DB: ${big.sales} sales, ${big.fileMB} MB, built in ${big.buildSeconds} s; open+today query: ` +
      `app ${big.openAndQueryAppDatabase.medianMs} ms median (first ${big.firstOpenAndQueryAppDatabaseMs} ms), ` +
      `storage level ${big.openAndQueryStorageLevel.medianMs} ms, ${big.todayRowsPerTerminal} rows`,
  );
  console.log('\nTargets:');
  console.log(JSON.stringify(targets, null, 2));
}

if (process.env[CHILD_ENV]) {
  await childFirstOpen(JSON.parse(process.env[CHILD_ENV]) as Parameters<typeof childFirstOpen>[0]);
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run();
  const out = join(import.meta.dirname, 'results');
  mkdirSync(out, { recursive: true });
  const file = join(out, 'store.json');
  writeFileSync(
    file,
    JSON.stringify(
      {
        name: 'store',
        started: new Date().toISOString(),
        machine: { node: process.version, platform: process.platform },
        ...result,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`\nWrote ${file}`);
}
