/**
 * bulkWrite's inserts of ids the document cache does not hold are written without reading those
 * ids first (bulk-write.ts); when one is stored after all, the bulk is rolled back and written
 * again with the read. These are the conflicts that path must still report exactly, on a real
 * encrypted file, with every instance reopened so that nothing is cached.
 */
import { firstValueFrom } from 'rxjs';
import { take, toArray } from 'rxjs/operators';
import {
  createRevision,
  fillWithDefaultSettings,
  normalizeMangoQuery,
  now,
  prepareQuery,
  randomToken,
} from 'rxdb';
import type { MangoQuery, RxDocumentData, RxJsonSchema } from 'rxdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRxStorageSqlite, type RxStorageInstanceSqlite, type RxStorageSqlite } from './index';
import { getIndexColumns } from './indexes';
import { realKeychain, tempDir, type RealKeychain } from './test-support';

interface Item {
  key: string;
  value: string;
  num: number;
}

const schema: RxJsonSchema<RxDocumentData<Item>> = fillWithDefaultSettings<Item>({
  version: 0,
  primaryKey: 'key',
  type: 'object',
  properties: {
    key: { type: 'string', maxLength: 40 },
    value: { type: 'string', maxLength: 30 },
    num: { type: 'integer', minimum: 0, maximum: 1000, multipleOf: 1 },
  },
  required: ['key', 'value', 'num'],
  indexes: ['value', ['num', 'value']],
});

const token = randomToken(10);

function doc(key: string, value = 'v', num = 1): RxDocumentData<Item> {
  return {
    key,
    value,
    num,
    _deleted: false,
    _attachments: {},
    _meta: { lwt: now() },
    _rev: createRevision(token),
  };
}

function next(prev: RxDocumentData<Item>, change: Partial<RxDocumentData<Item>>): RxDocumentData<Item> {
  return { ...prev, ...change, _meta: { lwt: now() }, _rev: createRevision(token, prev) };
}

function byValue(value: string) {
  const selector = { value, _deleted: { $eq: false } } as MangoQuery<Item>['selector'];
  return prepareQuery(schema, normalizeMangoQuery(schema, { selector }));
}

let keychain: RealKeychain;
let dir: { path: string; remove(): void };
let storage: RxStorageSqlite;
let uncached: RxStorageSqlite;

beforeAll(async () => {
  keychain = await realKeychain();
  dir = tempDir();
  storage = getRxStorageSqlite({ databaseDir: dir.path, keyProvider: keychain.keys });
  uncached = getRxStorageSqlite({ databaseDir: dir.path, keyProvider: keychain.keys, documentCacheBytes: 0 });
});

afterAll(async () => {
  dir.remove();
  await keychain.cleanup();
});

function open(databaseName: string, on = storage): Promise<RxStorageInstanceSqlite<Item>> {
  return on.createStorageInstance<Item>({
    databaseInstanceToken: token,
    databaseName,
    collectionName: 'items',
    schema,
    options: {},
    multiInstance: false,
    devMode: true,
  });
}

/** A file holding `docs`, closed: the next instance opens it with an empty document cache. */
async function stored(...writes: Parameters<RxStorageInstanceSqlite<Item>['bulkWrite']>[0][]) {
  const name = `db${randomToken(6)}`;
  const store = await open(name);
  for (const rows of writes) expect((await store.bulkWrite(rows, 'setup')).error).toEqual([]);
  await store.close();
  return name;
}

describe('inserts of ids the document cache does not hold', () => {
  it('over a live stored document: 409 with the stored document, which stays as it was', async () => {
    const a = doc('a', 'first');
    const name = await stored([{ document: a }]);
    const store = await open(name);
    const result = await store.bulkWrite([{ document: doc('a', 'other') }], 'test');
    expect(result.error).toHaveLength(1);
    expect(result.error[0]).toMatchObject({ status: 409, documentId: 'a', isError: true });
    expect((result.error[0] as { documentInDb?: unknown }).documentInDb).toEqual(a);
    expect(await store.findDocumentsById(['a'], true)).toEqual([a]);
    expect((await store.query(byValue('other'))).documents).toEqual([]);
    expect((await store.query(byValue('first'))).documents).toEqual([a]);
    await store.close();
  });

  it('over a tombstone: 409 with the tombstone as documentInDb, nothing revived', async () => {
    const a = doc('a', 'first');
    const gone = next(a, { _deleted: true });
    const name = await stored([{ document: a }], [{ previous: a, document: gone }]);
    const store = await open(name);
    const result = await store.bulkWrite([{ document: doc('a', 'again') }], 'test');
    expect(result.error.map((e) => [e.status, e.documentId])).toEqual([[409, 'a']]);
    expect((result.error[0] as { documentInDb?: unknown }).documentInDb).toEqual(gone);
    expect(await store.findDocumentsById(['a'], false)).toEqual([]);
    expect(await store.findDocumentsById(['a'], true)).toEqual([gone]);
    expect((await store.query(byValue('again'))).documents).toEqual([]);
    await store.close();
  });

  it('a bulk with one conflict: the others written, the conflicting row not, cache and events coherent', async () => {
    const a = doc('a', 'kept');
    const b = doc('b', 'kept');
    const name = await stored(
      [{ document: a }, { document: b }],
      [{ previous: b, document: next(b, { _deleted: true }) }],
    );
    const store = await open(name);
    const events = firstValueFrom(store.changeStream().pipe(take(1), toArray()));
    const c = doc('c', 'new', 3);
    const d = doc('d', 'new', 4);
    const result = await store.bulkWrite(
      [{ document: c }, { document: doc('a', 'new') }, { document: d }, { document: doc('b', 'new') }],
      'test',
    );
    expect(result.error.map((e) => [e.status, e.documentId])).toEqual([
      [409, 'a'],
      [409, 'b'],
    ]);
    const [bulk] = await events;
    expect(bulk!.events.map((e) => [e.operation, e.documentId])).toEqual([
      ['INSERT', 'c'],
      ['INSERT', 'd'],
    ]);
    expect(bulk!.checkpoint).toEqual({ id: 'd', lwt: d._meta.lwt });
    // The written documents are served from the cache, the stored ones as they were.
    const now = await store.findDocumentsById(['a', 'b', 'c', 'd'], false);
    expect(now.sort((x, y) => x.key.localeCompare(y.key))).toEqual([a, c, d]);
    expect((await store.query(byValue('new'))).documents).toEqual([c, d]);
    expect((await store.count(byValue('new'))).count).toBe(2);
    await store.close();
    // And the file holds the same.
    const again = await open(name, uncached);
    const read = await again.findDocumentsById(['a', 'b', 'c', 'd'], false);
    expect(read.sort((x, y) => x.key.localeCompare(y.key))).toEqual([a, c, d]);
    expect((await again.query(byValue('new'))).documents).toEqual([c, d]);
    expect((await again.query(byValue('kept'))).documents).toEqual([a]);
    await again.close();
  });

  it('the same id twice in one bulk fails the whole bulk, as SQLite refuses it, and writes nothing', async () => {
    const name = await stored([{ document: doc('a') }]);
    const store = await open(name);
    await expect(
      store.bulkWrite([{ document: doc('x', 'twice') }, { document: doc('x', 'twice') }], 'test'),
    ).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    expect(await store.findDocumentsById(['x'], true)).toEqual([]);
    expect((await store.count(byValue('twice'))).count).toBe(0);
    await store.close();
  });

  it('with the document cache off, every insert over a stored id is still a 409', async () => {
    const a = doc('a', 'first');
    const name = await stored([{ document: a }]);
    const store = await open(name, uncached);
    const b = doc('b');
    const result = await store.bulkWrite([{ document: b }, { document: doc('a', 'other') }], 'test');
    expect(result.error.map((e) => [e.status, e.documentId])).toEqual([[409, 'a']]);
    expect((result.error[0] as { documentInDb?: unknown }).documentInDb).toEqual(a);
    const read = await store.findDocumentsById(['a', 'b'], false);
    expect(read.sort((x, y) => x.key.localeCompare(y.key))).toEqual([a, b]);
    await store.close();
  });

  it('an update of an uncached document is checked against the stored revision', async () => {
    const a = doc('a', 'first');
    const a2 = next(a, { value: 'second' });
    const name = await stored([{ document: a }], [{ previous: a, document: a2 }]);
    const store = await open(name);
    const stale = await store.bulkWrite([{ previous: a, document: next(a, { value: 'third' }) }], 'test');
    expect(stale.error.map((e) => [e.status, e.documentId])).toEqual([[409, 'a']]);
    expect((stale.error[0] as { documentInDb?: unknown }).documentInDb).toEqual(a2);
    const a3 = next(a2, { value: 'third' });
    expect(
      (await store.bulkWrite([{ previous: a2, document: a3 }, { document: doc('n') }], 'test')).error,
    ).toEqual([]);
    expect(await store.findDocumentsById(['a'], false)).toEqual([a3]);
    await store.close();
  });
});

describe('index keys bound from the shared scratch', () => {
  it('are stored as encodeIndexString gives them, across rows, growth mid-row, the redo and updates', async () => {
    // Attack (rt16): a key view overwritten before SQLite copied it would store another row's or
    // column's bytes. Values beyond maxLength (nothing validates here) make each key outgrow the
    // 4 KiB scratch in the middle of a row; a stored id in the bulk forces the rollback and redo.
    const big = (n: number, seed: number) =>
      Array.from({ length: n }, (_, k) => String.fromCharCode(0x20 + ((k * 7 + seed) % 0xffdf))).join('');
    const values = ['s', big(700, 1), 'mid', big(3000, 2), big(12, 3), big(9000, 4)];
    const name = await stored([{ document: doc('k2', 'stored') }]);
    const store = await open(name);
    const docs = values.map((v, i) => doc(`k${i}`, v, i * 37));
    const first = await store.bulkWrite(
      docs.map((d) => ({ document: d })),
      'test',
    );
    expect(first.error.map((e) => [e.status, e.documentId])).toEqual([[409, 'k2']]);
    const live = docs.filter((d) => d.key !== 'k2');
    const updated = live.map((d, i) => next(d, { value: values[(i + 3) % values.length]!, num: 999 - i }));
    expect(
      (
        await store.bulkWrite(
          live.map((d, i) => ({ previous: d, document: updated[i]! })),
          'test',
        )
      ).error,
    ).toEqual([]);
    const { db, tableName } = store.internals;
    const columns = getIndexColumns(schema);
    const rows = db
      .prepare(`SELECT id, ${columns.map((c) => c.column).join(', ')} FROM "${tableName}" WHERE id != 'k2'`)
      .raw()
      .all() as [string, ...Buffer[]][];
    expect(rows).toHaveLength(live.length);
    for (const [id, ...keys] of rows) {
      const d = updated.find((u) => u.key === id)!;
      expect(keys, id).toEqual(columns.map((c) => c.key(d)));
    }
    await store.close();
  });
});
