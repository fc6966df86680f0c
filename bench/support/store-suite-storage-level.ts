/**
 * What is left of the suite's read steps once RxDB is taken away: find-by-ids-3000 and
 * find-by-query (the suite's 3,000 documents, each read just after a reopen) at the storage
 * interface, ours with the default document cache and with none, against raw better-sqlite3
 * running the same statement on the same file with the same parse. CPU time of this process
 * (the shared machine's load moves wall time more than the differences measured here), sides
 * alternating, each on a freshly opened connection.
 */
import type { RxStorage, RxStorageInstance } from 'rxdb';
import { createRevision, fillWithDefaultSettings, now, prepareQuery } from 'rxdb';
import { averageSchema, averageSchemaData } from 'rxdb/plugins/test-utils';
import { join } from 'node:path';
import { getIndexColumns, indexKey } from '../../src-main/core/store/indexes';
import type { DatabaseKey, StoreKeyProvider } from '../../src-main/core/store/key';
import { openWithKey } from '../../src-main/core/store/sqlite';
import { fileNameFor, getRxStorageSqlite } from '../../src-main/core/store/storage';
import { tableName } from '../../src-main/core/store/table';

const DOCS = 3000;
const REPS = 15;
const DATABASE = 'suite-storage-level';
const COLLECTION = 'c';

type AnyInstance = RxStorageInstance<Record<string, unknown>, unknown, unknown>;

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[s.length >> 1]! * 100) / 100;
}

export async function suiteReadsAtStorageLevel(
  settings: { databaseDir: string; keyProvider: StoreKeyProvider },
  keyOf: (database: string) => Promise<DatabaseKey>,
) {
  const schema = fillWithDefaultSettings(averageSchema());
  const params = {
    databaseInstanceToken: 'bench',
    databaseName: DATABASE,
    collectionName: COLLECTION,
    schema,
    options: {},
    multiInstance: false,
    devMode: false,
  };
  const open = (storage: RxStorage<unknown, unknown>) =>
    storage.createStorageInstance(params as never) as Promise<AnyInstance>;
  const withCache = getRxStorageSqlite(settings);
  const noCache = getRxStorageSqlite({ ...settings, documentCacheBytes: 0 });
  const docs = Array.from({ length: DOCS }, (_, i) => ({
    ...averageSchemaData({ var1: `${i % 2}`, var2: i % 4 }),
    _deleted: false,
    _attachments: {},
    _meta: { lwt: now() },
    _rev: createRevision('bench'),
  }));
  const writer = await open(withCache);
  for (let b = 0; b < 6; b++) {
    await writer.bulkWrite(
      docs.slice(b * 500, (b + 1) * 500).map((document) => ({ document })),
      'bench',
    );
  }
  await writer.close();
  const ids = docs.map((d) => d.id);
  const query = prepareQuery(
    schema as never,
    {
      selector: {},
      sort: [{ var2: 'asc' }, { var1: 'asc' }],
    } as never,
  );
  const key = await keyOf(DATABASE);
  const path = join(settings.databaseDir, fileNameFor(DATABASE));
  const q = `"${tableName(COLLECTION, 0)}"`;
  // The range ours runs for the query's plan (query.ts), built from the same index column.
  const plan = query.queryPlan;
  const col = getIndexColumns(schema).find((c) => indexKey(c.fields) === indexKey(plan.index));
  if (!col) throw new Error('storage-level bench: no column for the query plan');
  const range = [col.lowerBound(plan.startKeys), col.upperBound(plan.endKeys)];
  const rawSql = {
    ids: `SELECT rowid, data FROM ${q} WHERE id IN (SELECT value FROM json_each(?))`,
    query:
      `SELECT rowid, data FROM ${q} WHERE ${col.column} ${plan.inclusiveStart ? '>=' : '>'} ? ` +
      `AND ${col.column} ${plan.inclusiveEnd ? '<=' : '<'} ? ORDER BY ${col.column}`,
  };
  const samples: Record<string, number[]> = {};
  const push = (name: string, ms: number) => (samples[name] ??= []).push(ms);
  const sides = ['ours', 'oursNoCache', 'raw'] as const;
  for (let r = 0; r < REPS; r++) {
    for (const step of ['ids', 'query'] as const) {
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(k + r) % sides.length]!;
        await new Promise((res) => setTimeout(res, 5));
        if (side === 'raw') {
          const db = openWithKey(path, key, false);
          if (!db) throw new Error('storage-level bench: key refused');
          const stmt = db.prepare(rawSql[step]).raw();
          const start = process.cpuUsage();
          const rows = (step === 'ids' ? stmt.all(JSON.stringify(ids)) : stmt.all(...range)) as [
            number,
            string,
          ][];
          for (const row of rows) JSON.parse(row[1]);
          push(`${step}.raw`, cpuMs(start));
          db.close();
          if (rows.length !== DOCS) throw new Error(`storage-level bench: raw ${step} gave ${rows.length}`);
          continue;
        }
        const inst = await open(side === 'ours' ? withCache : noCache);
        const start = process.cpuUsage();
        const n =
          step === 'ids'
            ? (await inst.findDocumentsById(ids, false)).length
            : (await inst.query(query as never)).documents.length;
        push(`${step}.${side}`, cpuMs(start));
        await inst.close();
        if (n !== DOCS) throw new Error(`storage-level bench: ${side} ${step} gave ${n}`);
      }
    }
  }
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  const r = (a: string, b: string) => Math.round((m[a]! / m[b]!) * 100) / 100;
  return {
    reps: REPS,
    cpuMedianMs: m,
    findByIds3000: { oursToRaw: r('ids.ours', 'ids.raw'), oursNoCacheToRaw: r('ids.oursNoCache', 'ids.raw') },
    findByQuery: {
      oursToRaw: r('query.ours', 'query.raw'),
      oursNoCacheToRaw: r('query.oursNoCache', 'query.raw'),
    },
  };
}
