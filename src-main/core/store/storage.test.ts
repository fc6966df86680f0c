import { existsSync } from 'node:fs';
import { firstValueFrom } from 'rxjs';
import { filter, toArray, take } from 'rxjs/operators';
import {
  createRevision,
  fillWithDefaultSettings,
  normalizeMangoQuery,
  now,
  prepareQuery,
  randomToken,
} from 'rxdb';
import type { MangoQuery, RxDocumentData, RxJsonSchema, RxStorageDefaultCheckpoint } from 'rxdb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { getRxStorageSqlite, type RxStorageInstanceSqlite, type RxStorageSqlite } from './index';
import { realKeychain, tempDir, type RealKeychain } from './test-support';

interface Item {
  key: string;
  value: string;
  num: number;
  flag: boolean;
}

const itemSchema: RxJsonSchema<RxDocumentData<Item>> = fillWithDefaultSettings<Item>({
  version: 0,
  primaryKey: 'key',
  type: 'object',
  properties: {
    key: { type: 'string', maxLength: 40 },
    value: { type: 'string', maxLength: 30 },
    num: { type: 'integer', minimum: 0, maximum: 1000, multipleOf: 1 },
    flag: { type: 'boolean' },
  },
  required: ['key', 'value', 'num', 'flag'],
  indexes: ['value', ['num', 'value'], 'flag'],
});

const token = randomToken(10);

function doc(key: string, value = 'v', num = 1, flag = false): RxDocumentData<Item> {
  return {
    key,
    value,
    num,
    flag,
    _deleted: false,
    _attachments: {},
    _meta: { lwt: now() },
    _rev: createRevision(token),
  };
}

function next(prev: RxDocumentData<Item>, change: Partial<RxDocumentData<Item>>): RxDocumentData<Item> {
  return { ...prev, ...change, _meta: { lwt: now() }, _rev: createRevision(token, prev) };
}

/** As RxQuery does: only live documents, `_deleted` leading every index. */
function prepared(mango: MangoQuery<Item>) {
  const selector = { ...mango.selector, _deleted: { $eq: false } } as MangoQuery<Item>['selector'];
  return prepareQuery(itemSchema, normalizeMangoQuery(itemSchema, { ...mango, selector }));
}

let keychain: RealKeychain;
let dir: { path: string; remove(): void };
let storage: RxStorageSqlite;

beforeAll(async () => {
  keychain = await realKeychain();
  dir = tempDir();
  storage = getRxStorageSqlite({ databaseDir: dir.path, keyProvider: keychain.keys });
});

afterAll(async () => {
  dir.remove();
  await keychain.cleanup();
});

async function instance(
  databaseName = `db${randomToken(6)}`,
  collectionName = 'items',
  schema = itemSchema,
): Promise<RxStorageInstanceSqlite<Item>> {
  return storage.createStorageInstance<Item>({
    databaseInstanceToken: token,
    databaseName,
    collectionName,
    schema,
    options: {},
    multiInstance: false,
    devMode: true,
  });
}

describe('bulkWrite', () => {
  it('inserts, updates and reports revision conflicts as 409 with the stored document', async () => {
    const store = await instance();
    const a = doc('a', 'first');
    expect((await store.bulkWrite([{ document: a }], 'test')).error).toEqual([]);

    const dup = await store.bulkWrite([{ document: doc('a', 'other') }], 'test');
    expect(dup.error).toHaveLength(1);
    expect(dup.error[0]?.status).toBe(409);
    expect(dup.error[0]?.documentId).toBe('a');
    expect((dup.error[0] as { documentInDb?: unknown }).documentInDb).toEqual(a);

    const a2 = next(a, { value: 'second' });
    expect((await store.bulkWrite([{ previous: a, document: a2 }], 'test')).error).toEqual([]);

    // Writing against a stale previous revision is a conflict; the stored state is unchanged.
    const stale = await store.bulkWrite([{ previous: a, document: next(a, { value: 'third' }) }], 'test');
    expect(stale.error[0]?.status).toBe(409);
    expect(await store.findDocumentsById(['a'], false)).toEqual([a2]);
    await store.close();
  });

  it('lets some rows of a bulk fail while the others are written', async () => {
    const store = await instance();
    const a = doc('a');
    await store.bulkWrite([{ document: a }], 'test');
    const result = await store.bulkWrite([{ document: doc('a') }, { document: doc('b') }], 'test');
    expect(result.error.map((e) => e.documentId)).toEqual(['a']);
    expect((await store.findDocumentsById(['a', 'b'], false)).map((d) => d.key).sort()).toEqual(['a', 'b']);
    await store.close();
  });

  it('keeps deleted documents as tombstones visible only with withDeleted', async () => {
    const store = await instance();
    const a = doc('a');
    await store.bulkWrite([{ document: a }, { document: doc('b') }], 'test');
    const deleted = next(a, { _deleted: true });
    await store.bulkWrite([{ previous: a, document: deleted }], 'test');
    expect((await store.findDocumentsById(['a', 'b'], false)).map((d) => d.key)).toEqual(['b']);
    expect(await store.findDocumentsById(['a'], true)).toEqual([deleted]);
    expect((await store.query(prepared({ selector: {} }))).documents.map((d) => d.key)).toEqual(['b']);
    expect((await store.count(prepared({ selector: {} }))).count).toBe(1);
    // Inserting an already deleted document is allowed (replication does it).
    expect((await store.bulkWrite([{ document: { ...doc('c'), _deleted: true } }], 'test')).error).toEqual(
      [],
    );
    expect(await store.findDocumentsById(['c'], false)).toEqual([]);
    // A deleted document can be revived by an update.
    const revived = next(deleted, { _deleted: false });
    await store.bulkWrite([{ previous: deleted, document: revived }], 'test');
    expect(await store.findDocumentsById(['a'], false)).toEqual([revived]);
    await store.close();
  });

  it('stores documents of any size and unicode content intact', async () => {
    const store = await instance();
    const big = { ...doc('big', 'ü😀\u0000x'), extra: 'x'.repeat(200_000) } as RxDocumentData<Item>;
    await store.bulkWrite([{ document: big }], 'test');
    expect(await store.findDocumentsById(['big'], false)).toEqual([big]);
    await store.close();
  });
});

describe('query and count', () => {
  it('answers selectors, sort, skip and limit', async () => {
    const store = await instance();
    const docs = Array.from({ length: 30 }, (_, i) =>
      doc(`k${String(i).padStart(2, '0')}`, `v${i % 5}`, i, i % 2 === 0),
    );
    await store.bulkWrite(
      docs.map((document) => ({ document })),
      'test',
    );
    const q = prepared({
      selector: { num: { $gte: 10, $lt: 20 } },
      sort: [{ num: 'desc' }],
      skip: 2,
      limit: 3,
    });
    expect((await store.query(q)).documents.map((d) => d.num)).toEqual([17, 16, 15]);
    const byValue = prepared({ selector: { value: 'v3' }, sort: [{ key: 'asc' }] });
    expect((await store.query(byValue)).documents.map((d) => d.num)).toEqual([3, 8, 13, 18, 23, 28]);
    expect(await store.count(byValue)).toEqual({ count: 6, mode: 'fast' });
    const regex = prepared({ selector: { value: { $regex: '^v[12]$' } } });
    expect(await store.count(regex)).toEqual({ count: 12, mode: 'slow' });
    expect((await store.query(prepared({ selector: { flag: true }, limit: 0 }))).documents).toEqual([]);
    await store.close();
  });
});

describe('count cache', () => {
  it('answers a repeated count from the cache and forgets it on every committed write, in every instance', async () => {
    const name = `db${randomToken(6)}`;
    const one = await instance(name);
    const two = await instance(name);
    const v1 = prepared({ selector: { value: 'v1' } });
    const a = doc('a', 'v1');
    await one.bulkWrite([{ document: a }, { document: doc('b', 'v2') }], 'test');
    expect((await two.count(v1)).count).toBe(1);
    expect((await two.count(v1)).count).toBe(1);
    // A write through the other instance of the same table.
    await one.bulkWrite([{ document: doc('c', 'v1') }], 'test');
    expect((await two.count(v1)).count).toBe(2);
    const aDeleted = next(a, { _deleted: true });
    await one.bulkWrite([{ previous: a, document: aDeleted }], 'test');
    expect((await two.count(v1)).count).toBe(1);
    // A conflicting bulk commits nothing and changes no count.
    const conflict = await one.bulkWrite([{ document: doc('c', 'v1') }], 'test');
    expect(conflict.error).toHaveLength(1);
    expect((await one.count(v1)).count).toBe(1);
    // Revived by an update: counted again.
    await one.bulkWrite([{ previous: aDeleted, document: next(aDeleted, { _deleted: false }) }], 'test');
    expect((await one.count(v1)).count).toBe(2);
    await one.close();
    await two.close();
  });
});

describe('range statements', () => {
  it('prepares one statement per shape and binds each range to it, each range keeping its own count', async () => {
    const name = `db${randomToken(6)}`;
    const store = await instance(name);
    await store.bulkWrite(
      Array.from({ length: 40 }, (_, i) => ({ document: doc(`k${i}`, `v${i % 4}`, i) })),
      'test',
    );
    const byValue = (v: string) => prepared({ selector: { value: v } });
    const byNum = (from: number, to: number) => prepared({ selector: { num: { $gte: from, $lt: to } } });
    // The shapes' first runs prepare their statements.
    expect((await store.count(byValue('v0'))).count).toBe(10);
    expect((await store.count(byNum(0, 5))).count).toBe(5);
    expect((await store.query(byValue('v0'))).documents).toHaveLength(10);
    const prepare = vi.spyOn(store.internals.db, 'prepare');
    try {
      // Other values, new PreparedQuery objects: the same statements, and no count served for
      // another range of the same shape (the cache key holds the bounds).
      for (let round = 0; round < 2; round++) {
        for (const [v, n] of [
          ['v1', 10],
          ['v3', 10],
          ['v9', 0],
        ] as const) {
          expect((await store.count(byValue(v))).count).toBe(n);
          expect((await store.query(byValue(v))).documents.map((d) => d.value)).toEqual(Array(n).fill(v));
        }
        expect((await store.count(byNum(5, 12))).count).toBe(7);
        expect((await store.count(byNum(30, 100))).count).toBe(10);
      }
      expect(prepare).not.toHaveBeenCalled();
    } finally {
      prepare.mockRestore();
    }
    await store.close();
  });
});

describe('document cache', () => {
  it('writes through a bulk, skips one over a quarter of its bound, and is gone once the file closes', async () => {
    const name = `db${randomToken(6)}`;
    const one = await instance(name);
    // 100 documents (more than a sale, less than a quarter of the default 16 MiB bound).
    const docs = Array.from({ length: 100 }, (_, i) => doc(`k${String(i).padStart(3, '0')}`, `v${i}`));
    await one.bulkWrite(
      docs.map((document) => ({ document })),
      'test',
    );
    // Served from the cache: the very objects written, as RxDB's memory storage returns them.
    const read = await one.findDocumentsById(['k000', 'k099'], false);
    expect(read[0]).toBe(docs[0]);
    expect(read[1]).toBe(docs[99]);
    const query = await one.query(prepared({ selector: { value: 'v42' } }));
    expect(query.documents[0]).toBe(docs[42]);
    await one.close();
    // Reopened: the connection closed with the last instance, and its cache with it.
    const reopened = await instance(name);
    const again = await reopened.findDocumentsById(['k000'], false);
    expect(again[0]).toEqual(docs[0]);
    expect(again[0]).not.toBe(docs[0]);
    await reopened.close();

    const small = getRxStorageSqlite({
      databaseDir: dir.path,
      keyProvider: keychain.keys,
      documentCacheBytes: 8 * 1024,
    });
    const inst = await small.createStorageInstance<Item>({
      databaseInstanceToken: token,
      databaseName: `db${randomToken(6)}`,
      collectionName: 'items',
      schema: itemSchema,
      options: {},
      multiInstance: false,
      devMode: true,
    });
    // 100 documents of ~150 bytes of JSON: over a quarter of 8 KiB, so not added...
    const copies = docs.map((document) => ({ ...document }));
    await inst.bulkWrite(
      copies.map((document) => ({ document })),
      'test',
    );
    const notCached = await inst.findDocumentsById(['k005'], false);
    expect(notCached[0]).toEqual(copies[5]);
    expect(notCached[0]).not.toBe(copies[5]);
    // ...while one small write is, and an update of a cached document refreshes it.
    const x = doc('x');
    await inst.bulkWrite([{ document: x }], 'test');
    expect((await inst.findDocumentsById(['x'], false))[0]).toBe(x);
    const x2 = next(x, { value: 'changed' });
    await inst.bulkWrite([{ previous: x, document: x2 }], 'test');
    expect((await inst.findDocumentsById(['x'], false))[0]).toBe(x2);
    await inst.close();
  });
});

describe('getChangedDocumentsSince', () => {
  it('pages through every change once, in (lwt, id) order, including deletions', async () => {
    const store = await instance();
    const docs = Array.from({ length: 25 }, (_, i) => doc(`d${String(i).padStart(2, '0')}`));
    // Same lwt for several documents: the id breaks the tie.
    const lwt = now();
    for (const d of docs) d._meta.lwt = lwt;
    await store.bulkWrite(
      docs.map((document) => ({ document })),
      'test',
    );
    const first = docs[0]!;
    const deleted = next(first, { _deleted: true });
    await store.bulkWrite([{ previous: first, document: deleted }], 'test');

    const seen: string[] = [];
    let checkpoint: RxStorageDefaultCheckpoint | undefined;
    for (;;) {
      const page = await store.getChangedDocumentsSince(7, checkpoint);
      seen.push(...page.documents.map((d) => d.key));
      checkpoint = page.checkpoint;
      if (page.documents.length < 7) break;
    }
    expect(seen).toEqual([...docs.slice(1).map((d) => d.key), 'd00']);
    expect(checkpoint).toEqual({ id: 'd00', lwt: deleted._meta.lwt });
    const empty = await store.getChangedDocumentsSince(7, checkpoint);
    expect(empty).toEqual({ documents: [], checkpoint });
    await store.close();
  });
});

describe('changeStream', () => {
  it('emits one event bulk per write with the context and the newest checkpoint', async () => {
    const store = await instance();
    const events = firstValueFrom(store.changeStream().pipe(take(2), toArray()));
    const a = doc('a');
    await store.bulkWrite([{ document: a }, { document: doc('b') }], 'ctx-1');
    const a2 = next(a, { _deleted: true });
    await store.bulkWrite([{ previous: a, document: a2 }], 'ctx-2');
    const [first, second] = await events;
    expect(first?.context).toBe('ctx-1');
    expect(first?.events.map((e) => [e.documentId, e.operation])).toEqual([
      ['a', 'INSERT'],
      ['b', 'INSERT'],
    ]);
    expect(first?.checkpoint).toEqual({ id: 'b', lwt: expect.any(Number) });
    expect(second?.events.map((e) => [e.documentId, e.operation])).toEqual([['a', 'DELETE']]);
    expect(second?.checkpoint).toEqual({ id: 'a', lwt: a2._meta.lwt });
    await store.close();
  });

  it('emits nothing for a bulk that only conflicted', async () => {
    const store = await instance();
    await store.bulkWrite([{ document: doc('a') }], 'x');
    const got: unknown[] = [];
    const sub = store.changeStream().subscribe((b) => got.push(b));
    await store.bulkWrite([{ document: doc('a') }], 'x');
    sub.unsubscribe();
    expect(got).toEqual([]);
    await store.close();
  });

  it('reaches other instances of the same collection in this process', async () => {
    const name = `db${randomToken(6)}`;
    const one = await instance(name);
    const two = await instance(name);
    const seen = firstValueFrom(two.changeStream().pipe(filter((b) => b.context === 'from-one')));
    await one.bulkWrite([{ document: doc('x') }], 'from-one');
    expect((await seen).events[0]?.documentId).toBe('x');
    expect(await two.findDocumentsById(['x'], false)).toHaveLength(1);
    await one.close();
    await two.close();
  });
});

describe('cleanup', () => {
  it('purges tombstones older than minimumDeletedTime and keeps the rest', async () => {
    const store = await instance();
    const old = doc('old');
    const recent = doc('recent');
    const live = doc('live');
    await store.bulkWrite([{ document: old }, { document: recent }, { document: live }], 'test');
    const oldDeleted = { ...next(old, { _deleted: true }), _meta: { lwt: now() - 60_000 } };
    await store.bulkWrite(
      [
        { previous: old, document: oldDeleted },
        { previous: recent, document: next(recent, { _deleted: true }) },
      ],
      'test',
    );
    expect(await store.cleanup(30_000)).toBe(true);
    expect((await store.findDocumentsById(['old', 'recent', 'live'], true)).map((d) => d.key).sort()).toEqual(
      ['live', 'recent'],
    );
    expect(await store.cleanup(0)).toBe(true);
    expect((await store.findDocumentsById(['old', 'recent', 'live'], true)).map((d) => d.key)).toEqual([
      'live',
    ]);
    await store.close();
  });
});

describe('close and remove', () => {
  it('keeps data across close and reopen', async () => {
    const name = `db${randomToken(6)}`;
    const store = await instance(name);
    await store.bulkWrite([{ document: doc('kept') }], 'test');
    await store.close();
    await expect(store.findDocumentsById(['kept'], false)).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    const again = await instance(name);
    expect((await again.findDocumentsById(['kept'], false)).map((d) => d.key)).toEqual(['kept']);
    await again.close();
  });

  it('remove() deletes the collection, and the file once no collection is left', async () => {
    const name = `db${randomToken(6)}`;
    const items = await instance(name, 'items');
    const others = await instance(name, 'others');
    await items.bulkWrite([{ document: doc('a') }], 'test');
    await others.bulkWrite([{ document: doc('b') }], 'test');
    await items.remove();
    const path = storage.filePath(name);
    expect(existsSync(path)).toBe(true);
    expect((await others.findDocumentsById(['b'], false)).map((d) => d.key)).toEqual(['b']);
    const itemsAgain = await instance(name, 'items');
    expect(await itemsAgain.findDocumentsById(['a'], true)).toEqual([]);
    await itemsAgain.remove();
    await others.remove();
    expect(existsSync(path)).toBe(false);
  });

  it('close() twice is harmless', async () => {
    const store = await instance();
    await store.close();
    await store.close();
  });
});

describe('several collections and databases', () => {
  it('keeps collections, schema versions and databases apart', async () => {
    const [db1, db2] = [`db${randomToken(6)}`, `db${randomToken(6)}`];
    const v1Schema = { ...itemSchema, version: 1 };
    const stores = await Promise.all([
      instance(db1, 'items'),
      instance(db1, 'other'),
      instance(db1, 'items', v1Schema),
      instance(db2, 'items'),
    ]);
    await Promise.all(stores.map((s, i) => s.bulkWrite([{ document: doc(`only-${i}`) }], 'test')));
    for (const [i, s] of stores.entries()) {
      const all = await s.query(prepared({ selector: {} }));
      expect(all.documents.map((d) => d.key)).toEqual([`only-${i}`]);
    }
    expect(storage.filePath(db1)).not.toBe(storage.filePath(db2));
    expect(existsSync(storage.filePath(db1)) && existsSync(storage.filePath(db2))).toBe(true);
    await Promise.all(stores.map((s) => s.close()));
  });
});

describe('attachments', () => {
  it('stores, replaces and removes attachment data', async () => {
    const schema = fillWithDefaultSettings<Item>({
      ...(itemSchema as RxJsonSchema<Item>),
      attachments: {},
    });
    const store = await storage.createStorageInstance<Item>({
      databaseInstanceToken: token,
      databaseName: `db${randomToken(6)}`,
      collectionName: 'files',
      schema,
      options: {},
      multiInstance: false,
      devMode: false,
    });
    const data = new Blob([Buffer.from('hello attachment')], { type: 'text/plain' });
    const withAttachment = {
      ...doc('f'),
      _attachments: { note: { data, digest: 'd1', length: data.size, type: 'text/plain' } },
    } as RxDocumentData<Item>;
    expect((await store.bulkWrite([{ document: withAttachment }], 'test')).error).toEqual([]);
    const blob = await store.getAttachmentData('f', 'note', 'd1');
    expect(await blob.text()).toBe('hello attachment');
    const [stored] = await store.findDocumentsById(['f'], false);
    expect(stored?._attachments.note).toEqual({ digest: 'd1', length: data.size, type: 'text/plain' });
    const without = next(stored!, { _attachments: {} });
    await store.bulkWrite([{ previous: stored!, document: without }], 'test');
    await expect(store.getAttachmentData('f', 'note', 'd1')).rejects.toMatchObject({
      code: 'STORE_ATTACHMENT_MISSING',
    });
    await store.close();
  });
});
