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
