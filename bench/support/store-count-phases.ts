/**
 * Issue #21: a count's first run just after a reopen, by phase, and SQLite's step over other index
 * layouts of the same sales. Ad hoc, not part of `npm run bench -- store` (it only explains one of
 * its figures):
 *
 *   XDG_DATA_HOME=$(mktemp -d) dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon \
 *     --unlock --components=secrets >/dev/null && npx tsx bench/support/store-count-phases.ts'
 *
 * As in the store bench's reopened loop: 20,000 sales over 20 terminals and 10 days, each
 * "today" query run once (its first run) and then counted with a new PreparedQuery (the count's
 * first run). After each of REOPENS reopens, half the 20 days' counts are timed whole (the
 * storage's `count()`) and the other half by phase on a PreparedQuery of the same selector; the
 * halves swap at every reopen. Raw better-sqlite3 does the same on a file with plain columns
 * (same key, cipher, pages), where the same range is also counted over three other layouts:
 * plain columns without `deleted`, our compact key, our compact key without its `_deleted` byte.
 */
import { join } from 'node:path';
import { fillWithDefaultSettings, normalizeMangoQuery, prepareQuery, type MangoQuery } from 'rxdb';
import { encodeIndexString } from '../../src-main/core/store/index-key';
import { getIndexColumns } from '../../src-main/core/store/indexes';
import { saleSchema, type SaleDoc } from '../../src-main/core/store/schemas/index';
import { openWithKey } from '../../src-main/core/store/sqlite';
import { getRxStorageSqlite } from '../../src-main/core/store/storage';
import { realKeychain, tempDir } from '../../src-main/core/store/test-support';
import { instance, makeSale } from '../store';
import { DAY, DAY0, TERMINALS, terminalId, todayQuery } from './today-query';

const SALES = 20_000;
const DAYS = 10;
const REOPENS = Number(process.env.PHASES_REOPENS ?? 10);
const schema = fillWithDefaultSettings(saleSchema);

function prepared(mango: MangoQuery<SaleDoc>) {
  const selector = { ...mango.selector, _deleted: { $eq: false } } as MangoQuery<SaleDoc>['selector'];
  return prepareQuery(schema, normalizeMangoQuery(schema, { ...mango, selector }));
}

const us = (start: number) => (performance.now() - start) * 1000;

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return Math.round((s[Math.floor(s.length / 2)] ?? 0) * 10) / 10;
}

class Samples {
  readonly by = new Map<string, number[]>();
  add(name: string, value: number) {
    let list = this.by.get(name);
    if (!list) this.by.set(name, (list = []));
    list.push(value);
  }
  medians() {
    return Object.fromEntries([...this.by].map(([k, v]) => [k, { medianUs: median(v), n: v.length }]));
  }
}

const keychain = await realKeychain();
const dir = tempDir('outpost-count-phases-');
try {
  const storage = getRxStorageSqlite({ databaseDir: dir.path, keyProvider: keychain.keys });
  const store = await instance(storage, 'phases');
  for (let i = 0; i < SALES; i += 1000) {
    const rows = Array.from({ length: 1000 }, (_, j) => ({ document: makeSale(i + j, DAYS, SALES) }));
    await store.bulkWrite(rows, 'phases');
  }
  await store.close();
  const key = (await keychain.keys.keysForExistingDatabase('phases')).current!;
  const columns = getIndexColumns(schema);
  const i0 = columns[0]!;

  // Raw: plain columns, and the other layouts of the same range beside them.
  const rawPath = join(dir.path, 'raw.sqlite');
  const raw = openWithKey(rawPath, key, true)!;
  raw.exec(`CREATE TABLE sales (id TEXT PRIMARY KEY NOT NULL, deviceId TEXT NOT NULL, createdAt INTEGER NOT NULL,
    deleted INTEGER NOT NULL, data TEXT NOT NULL, k BLOB NOT NULL, k2 BLOB NOT NULL)`);
  const put = raw.prepare('INSERT INTO sales VALUES (?, ?, ?, 0, ?, ?, ?)');
  raw.transaction(() => {
    for (let i = 0; i < SALES; i++) {
      const d = makeSale(i, DAYS, SALES);
      const k = i0.key(d);
      // '0' then a letter is one byte of the key: dropping it is the key without `_deleted`.
      put.run(d.id, d.deviceId, d.createdAt, JSON.stringify(d), k, k.subarray(1));
    }
  })();
  raw.exec(`CREATE INDEX plain ON sales (deleted, deviceId, createdAt, id);
    CREATE INDEX plain_live ON sales (deviceId, createdAt, id);
    CREATE INDEX compact ON sales (k); CREATE INDEX compact_live ON sales (k2);`);
  const sizes = raw
    .prepare(
      `SELECT avg(length(k)) AS compactKeyBytes, avg(length(k2)) AS compactLiveKeyBytes,
         avg(length(deviceId) + length(id)) AS plainTextBytes FROM sales`,
    )
    .get();
  raw.close();

  const ours = new Samples();
  const rawSamples = new Samples();
  for (let reopen = 0; reopen < REOPENS; reopen++) {
    const s = await instance(storage, 'phases');
    const { db, tableName } = s.internals as {
      db: NonNullable<ReturnType<typeof openWithKey>>;
      tableName: string;
    };
    const step = db.prepare(`SELECT count(*) FROM "${tableName}" WHERE i0 >= ? AND i0 < ?`).pluck();
    for (let k = 0; k < TERMINALS; k++) {
      const q = todayQuery(k, k % DAYS);
      await s.query(prepared(q));
      const whole = (k + reopen) % 2 === 0;
      const plan = prepared({ selector: q.selector });
      if (whole) {
        const t = performance.now();
        await s.count(plan);
        ours.add('count() whole', us(t));
        continue;
      }
      const p = plan.queryPlan;
      let t = performance.now();
      const lo = i0.lowerBoundString(p.startKeys);
      const hi = i0.upperBoundString(p.endKeys);
      ours.add('bound strings', us(t));
      t = performance.now();
      const lower = encodeIndexString(lo);
      const upper = encodeIndexString(hi);
      ours.add('encoding', us(t));
      t = performance.now();
      step.get(lower, upper);
      ours.add('SQLite step (count statement .get)', us(t));
    }
    await s.close();

    const r = openWithKey(rawPath, key, false)!;
    const range = 'FROM sales WHERE deleted = 0 AND deviceId = ? AND createdAt >= ? AND createdAt < ?';
    const query = r.prepare(`SELECT data ${range} ORDER BY createdAt, id`).pluck();
    const counts = {
      'plain (deleted, deviceId, createdAt, id)': r.prepare(`SELECT count(*) ${range}`).pluck(),
      'plain without deleted (deviceId, createdAt, id)': r
        .prepare(
          'SELECT count(*) FROM sales INDEXED BY plain_live WHERE deviceId = ? AND createdAt >= ? AND createdAt < ?',
        )
        .pluck(),
      'compact key (ours)': r.prepare('SELECT count(*) FROM sales WHERE k >= ? AND k < ?').pluck(),
      'compact key without _deleted': r
        .prepare('SELECT count(*) FROM sales WHERE k2 >= ? AND k2 < ?')
        .pluck(),
    };
    const names = Object.keys(counts) as (keyof typeof counts)[];
    for (let k = 0; k < TERMINALS; k++) {
      const terminal = terminalId(k);
      const from = DAY0 + (k % DAYS) * DAY;
      (query.all(terminal, from, from + DAY) as string[]).map((j) => JSON.parse(j) as unknown);
      const p = prepared({ selector: todayQuery(k, k % DAYS).selector }).queryPlan;
      const lower = i0.lowerBound(p.startKeys);
      const upper = i0.upperBound(p.endKeys);
      const argsOf = (name: (typeof names)[number]) =>
        name === 'compact key (ours)'
          ? [lower, upper]
          : name === 'compact key without _deleted'
            ? [lower.subarray(1), upper.subarray(1)]
            : [terminal, from, from + DAY];
      // Raw's own count, first after its query (the bench's raw figure).
      let t = performance.now();
      counts['plain (deleted, deviceId, createdAt, id)'].get(...argsOf(names[0]!));
      rawSamples.add('raw count, first run after its query', us(t));
      // Every layout over the same range, its pages read once before (as the query before a count
      // reads them for ours and raw): the step alone, with the index's pages in SQLite's cache.
      for (const name of names) {
        const args = argsOf(name);
        counts[name].get(...args);
        t = performance.now();
        counts[name].get(...args);
        rawSamples.add(`${name}, pages cached`, us(t));
        if (reopen === 0 && k === 0) {
          console.log(name, r.prepare(`EXPLAIN QUERY PLAN ${counts[name].source}`).all(...args));
        }
      }
    }
    r.close();
  }
  console.log(
    JSON.stringify(
      { sales: SALES, reopens: REOPENS, sizes, ours: ours.medians(), raw: rawSamples.medians() },
      null,
      2,
    ),
  );
} finally {
  dir.remove();
  await keychain.cleanup();
}
