/**
 * Proof that queries run on SQLite indexes: for each RxDB index of the schema, a query the planner
 * routes to it must be answered by `SEARCH ... USING INDEX` on that index's column, never by a
 * SCAN of the table. Same for counts, lookups by id, changes since a checkpoint and cleanup.
 */
import { fillWithDefaultSettings, normalizeMangoQuery, prepareQuery, randomToken } from 'rxdb';
import type { MangoQuery, RxDocumentData, RxJsonSchema } from 'rxdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRxStorageSqlite, type RxStorageInstanceSqlite } from './index';
import { realKeychain, tempDir, type RealKeychain } from './test-support';
import { indexName } from './layout';

interface Sale {
  id: string;
  deviceId: string;
  createdAt: number;
  status: string;
  seq: number;
}

const schema: RxJsonSchema<RxDocumentData<Sale>> = fillWithDefaultSettings<Sale>({
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 40 },
    deviceId: { type: 'string', maxLength: 40 },
    createdAt: { type: 'integer', minimum: 0, maximum: 253402300799999, multipleOf: 1 },
    status: { type: 'string', maxLength: 16 },
    seq: { type: 'integer', minimum: 0, maximum: 1e12, multipleOf: 1 },
  },
  required: ['id', 'deviceId', 'createdAt', 'status', 'seq'],
  indexes: [['deviceId', 'createdAt'], ['status', 'createdAt'], 'seq'],
});

let keychain: RealKeychain;
let dir: { path: string; remove(): void };
let store: RxStorageInstanceSqlite<Sale>;

beforeAll(async () => {
  keychain = await realKeychain();
  dir = tempDir();
  store = await getRxStorageSqlite({
    databaseDir: dir.path,
    keyProvider: keychain.keys,
  }).createStorageInstance<Sale>({
    databaseInstanceToken: randomToken(8),
    databaseName: 'explain',
    collectionName: 'sales',
    schema,
    options: {},
    multiInstance: false,
    devMode: false,
  });
});

afterAll(async () => {
  await store.close();
  dir.remove();
  await keychain.cleanup();
});

function prepared(mango: MangoQuery<Sale>) {
  const selector = { ...mango.selector, _deleted: { $eq: false } } as MangoQuery<Sale>['selector'];
  return prepareQuery(schema, normalizeMangoQuery(schema, { ...mango, selector }));
}

const table = '"sales-0"';
/** EXPLAIN prints names unquoted. */
const shown = 'sales-0';

function expectIndexSearch(plan: string[], column: string) {
  const text = plan.join('\n');
  expect(text).toMatch(
    new RegExp(
      `SEARCH ${shown} USING (COVERING )?INDEX ${indexName(shown, column)} \\(${column}>\\? AND ${column}<\\?\\)`,
    ),
  );
  expect(text).not.toMatch(new RegExp(`SCAN ${shown}(?! USING)`));
}

const cases: { name: string; index: string[]; query: MangoQuery<Sale> }[] = [
  {
    name: "today's sales of one terminal",
    index: ['_deleted', 'deviceId', 'createdAt', 'id'],
    query: {
      selector: { deviceId: 'pos-1', createdAt: { $gte: 1000, $lt: 2000 } },
      sort: [{ createdAt: 'asc' }],
    },
  },
  {
    name: 'sales by status since a time',
    index: ['_deleted', 'status', 'createdAt', 'id'],
    query: { selector: { status: 'queued', createdAt: { $gt: 5 } }, sort: [{ createdAt: 'asc' }], limit: 10 },
  },
  {
    name: 'sequence range',
    index: ['_deleted', 'seq', 'id'],
    query: { selector: { seq: { $gte: 10, $lte: 20 } }, sort: [{ seq: 'asc' }] },
  },
];

describe('EXPLAIN QUERY PLAN', () => {
  for (const c of cases) {
    it(`${c.name}: query and count use the index on [${c.index.join(', ')}]`, () => {
      const q = prepared(c.query);
      expect(q.queryPlan.index).toEqual(c.index);
      expect(q.queryPlan.selectorSatisfiedByIndex).toBe(true);
      expect(q.queryPlan.sortSatisfiedByIndex).toBe(true);
      const column = `i${schema.indexes!.findIndex((i) => (i as string[]).join() === c.index.join())}`;
      const queryPlan = store.explain(q, 'query');
      expectIndexSearch(queryPlan, column);
      // Sort satisfied by the index: no temp B-tree for ORDER BY.
      expect(queryPlan.join('\n')).not.toContain('TEMP B-TREE');
      expectIndexSearch(store.explain(prepared({ selector: c.query.selector }), 'count'), column);
    });
  }

  it('a selector the index cannot express still reads only the index range', () => {
    const q = prepared({ selector: { deviceId: 'pos-1', status: 'queued' } });
    expect(q.queryPlan.selectorSatisfiedByIndex).toBe(false);
    const text = store.explain(q, 'query').join('\n');
    expect(text).toMatch(/SEARCH sales-0 USING INDEX/);
    expect(text).not.toMatch(/SCAN sales-0(?! USING)/);
  });

  it('lookups by id, changes since a checkpoint and cleanup use indexes', () => {
    const { db } = store.internals;
    const explain = (sql: string, ...params: unknown[]) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
        .map((r) => r.detail)
        .join('\n');
    const byId = explain(`SELECT data FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`, '["a"]');
    expect(byId).toMatch(/SEARCH sales-0 USING INDEX sqlite_autoindex_sales-0_1 \(id=\?\)/);
    const lwtColumn = `i${schema.indexes!.findIndex((i) => (i as string[]).join() === '_meta.lwt,id')}`;
    const changes = explain(
      `SELECT data FROM ${table} WHERE ${lwtColumn} > ? ORDER BY ${lwtColumn} LIMIT ?`,
      'x',
      5,
    );
    expect(changes).toMatch(
      new RegExp(`SEARCH ${shown} USING INDEX ${indexName(shown, lwtColumn)} \\(${lwtColumn}>\\?\\)`),
    );
    const cleanup = explain(`DELETE FROM ${table} WHERE deleted = 1 AND lwt < ?`, 5);
    expect(cleanup).toMatch(/SEARCH sales-0 USING INDEX sales-0__tombstones \(lwt<\?\)/);
  });
});
