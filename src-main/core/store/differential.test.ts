/**
 * Differential test: the same random documents, writes and queries go to our storage and to RxDB's
 * memory storage (the reference implementation); every query and count must agree exactly,
 * including order under sort/skip/limit and strings that stress the index encoding.
 */
import { createRevision, fillWithDefaultSettings, normalizeMangoQuery, now, prepareQuery } from 'rxdb';
import type { MangoQuery, MangoQuerySelector, RxDocumentData, RxJsonSchema, RxStorageInstance } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRxStorageSqlite } from './index';
import { realKeychain, tempDir, type RealKeychain } from './test-support';
import { prng } from '../../../protocol/prng';

interface Row {
  id: string;
  str: string;
  num: number;
  price: number;
  flag: boolean;
  nested: { tag: string };
}

const schema: RxJsonSchema<RxDocumentData<Row>> = fillWithDefaultSettings<Row>({
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 12 },
    str: { type: 'string', maxLength: 12 },
    num: { type: 'integer', minimum: 0, maximum: 100, multipleOf: 1 },
    price: { type: 'number', minimum: 0, maximum: 1000, multipleOf: 0.01 },
    flag: { type: 'boolean' },
    nested: {
      type: 'object',
      properties: { tag: { type: 'string', maxLength: 8 } },
      required: ['tag'],
    },
  },
  required: ['id', 'str', 'num', 'price', 'flag', 'nested'],
  indexes: ['str', ['num', 'str'], ['flag', 'price'], ['nested.tag', 'num'], 'price'],
});

/** Reproducible runs: the seed is in the test name. */
const rng = prng;

// Characters around every boundary the index encoding must respect: below the space padding,
// ASCII, Latin-1, just below the surrogates, surrogate pairs (emoji), private use, U+FFFD.
const ALPHABET = ['a', 'b', 'B', ' ', '\t', 'é', '\ud7ff', '😀', '🙂', '\ue000', '\ufffd', 'z', '0'];
const TAGS = ['red', 'green', 'blue', 'Grün', '🙂x'];

const SEED = Number(process.env.STORE_DIFF_SEED ?? 20240611);
const random = rng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
const randomString = (max: number) => {
  let out = '';
  const len = int(max + 1);
  while (out.length < len) {
    const c = pick(ALPHABET);
    if (out.length + c.length > max) break;
    out += c;
  }
  return out;
};
const randomPrice = () => Math.round(random() * 100000) / 100;

function makeRow(id: string): Row {
  return {
    id,
    str: randomString(6),
    num: int(101),
    price: randomPrice(),
    flag: random() < 0.5,
    nested: { tag: pick(TAGS) },
  };
}

function randomSelector(values: Row[]): MangoQuerySelector<Row> {
  const selector: Record<string, unknown> = {};
  const sample = () => pick(values);
  const fields = ['str', 'num', 'price', 'flag', 'nested.tag'] as const;
  const count = 1 + int(3);
  for (let i = 0; i < count; i++) {
    const field = pick(fields);
    const value = (row: Row): string | number | boolean =>
      field === 'nested.tag' ? row.nested.tag : row[field];
    const op = int(9);
    if (field === 'flag') selector.flag = op < 5 ? sample().flag : { $ne: sample().flag };
    else if (op === 0) selector[field] = value(sample());
    else if (op === 1) selector[field] = { $gt: value(sample()) };
    else if (op === 2) selector[field] = { $gte: value(sample()), $lte: value(sample()) };
    else if (op === 3) selector[field] = { $lt: value(sample()) };
    else if (op === 4) selector[field] = { $in: [value(sample()), value(sample()), value(sample())] };
    else if (op === 5) selector[field] = { $ne: value(sample()) };
    else if (op === 6 && typeof value(sample()) === 'string') selector[field] = { $regex: '^[ab]' };
    else if (op === 7) selector[field] = { $gt: value(sample()), $lt: value(sample()) };
    else selector[field] = { $lte: value(sample()) };
  }
  return selector as MangoQuerySelector<Row>;
}

function randomQuery(values: Row[]): MangoQuery<Row> {
  const sortFields = ['str', 'num', 'price', 'flag', 'nested.tag', 'id'];
  const sort = Array.from({ length: int(3) }, () => ({
    [pick(sortFields)]: random() < 0.5 ? 'asc' : 'desc',
  }));
  const unique = sort.filter((s, i) => sort.findIndex((o) => Object.keys(o)[0] === Object.keys(s)[0]) === i);
  const query: MangoQuery<Row> = {
    selector: randomSelector(values),
    sort: unique as MangoQuery<Row>['sort'],
  };
  if (random() < 0.5) query.limit = int(25);
  if (random() < 0.4) query.skip = int(15);
  return query;
}

function prepare(mango: MangoQuery<Row>) {
  const selector = { ...mango.selector, _deleted: { $eq: false } } as MangoQuery<Row>['selector'];
  return prepareQuery(schema, normalizeMangoQuery(schema, { ...mango, selector }));
}

function toDoc(row: Row, previous?: RxDocumentData<Row>, deleted = false): RxDocumentData<Row> {
  return {
    ...row,
    _deleted: deleted,
    _attachments: {},
    _meta: { lwt: now() },
    _rev: createRevision('diff', previous),
  };
}

let keychain: RealKeychain;
let dir: { path: string; remove(): void };
type Instance = RxStorageInstance<Row, unknown, unknown>;

beforeAll(async () => {
  keychain = await realKeychain();
  dir = tempDir();
});

afterAll(async () => {
  dir.remove();
  await keychain.cleanup();
});

/**
 * Run with the default document cache (reads of written documents hit it) and with a tiny one
 * (almost every read parses rows from SQLite, and the cache evicts constantly).
 */
const CACHES = [
  { label: 'default document cache', documentCacheBytes: undefined },
  { label: '4 KiB document cache', documentCacheBytes: 4096 },
];

for (const { label: cacheLabel, documentCacheBytes } of CACHES) {
  describe(`our storage vs RxDB memory storage (seed ${SEED}, ${cacheLabel})`, () => {
    let ours: Instance;
    let reference: Instance;
    let reopenOurs: () => Promise<void>;

    beforeAll(async () => {
      const params = {
        databaseInstanceToken: 'diff',
        databaseName: `diff${SEED}-${documentCacheBytes ?? 'default'}`,
        collectionName: 'rows',
        schema,
        options: {},
        multiInstance: false,
        devMode: false,
      };
      const storage = getRxStorageSqlite({
        databaseDir: dir.path,
        keyProvider: keychain.keys,
        documentCacheBytes,
      });
      ours = await storage.createStorageInstance<Row>(params);
      reopenOurs = async () => {
        await ours.close();
        ours = await storage.createStorageInstance<Row>(params);
      };
      reference = await getRxStorageMemory().createStorageInstance<Row>(params);
    });

    afterAll(async () => {
      await ours.close();
      await reference.remove();
    });

    const stored = new Map<string, RxDocumentData<Row>>();

    async function writeBoth(rows: { previous?: RxDocumentData<Row>; document: RxDocumentData<Row> }[]) {
      const [a, b] = await Promise.all([ours.bulkWrite(rows, 'diff'), reference.bulkWrite(rows, 'diff')]);
      expect(a.error).toEqual(b.error);
      for (const row of rows) stored.set(row.document.id, row.document);
    }

    async function compareQueries(rounds: number) {
      const values = [...stored.values()];
      let nonTrivial = 0;
      for (let i = 0; i < rounds; i++) {
        const query = randomQuery(values);
        const prepared = prepare(query);
        const [a, b] = await Promise.all([ours.query(prepared), reference.query(prepared)]);
        const label = JSON.stringify(query);
        expect(
          a.documents.map((d) => d.id),
          label,
        ).toEqual(b.documents.map((d) => d.id));
        expect(a.documents, label).toEqual(b.documents);
        if (b.documents.length > 0) nonTrivial++;
        const countQuery = prepare({ selector: query.selector });
        const [ca, cb] = await Promise.all([ours.count(countQuery), reference.count(countQuery)]);
        expect(ca.count, label).toBe(cb.count);
      }
      // Guard against a generator that only produces empty results.
      expect(nonTrivial).toBeGreaterThan(rounds / 4);
    }

    it('agrees on queries and counts after inserts', async () => {
      const rows = Array.from({ length: 400 }, (_, i) => makeRow(`r${String(i).padStart(4, '0')}`));
      await writeBoth(rows.map((row) => ({ document: toDoc(row) })));
      await compareQueries(300);
    });

    it('agrees after updates and deletions', async () => {
      const current = [...stored.values()];
      const writes = current
        .filter(() => random() < 0.4)
        .map((previous) => {
          const changed = { ...makeRow(previous.id) };
          return { previous, document: toDoc(changed, previous, random() < 0.3) };
        });
      await writeBoth(writes);
      await compareQueries(300);
    });

    it('agrees on findDocumentsById and changes since a checkpoint', async () => {
      const ids = [...stored.keys()].filter(() => random() < 0.2).concat(['missing']);
      for (const withDeleted of [true, false]) {
        const [a, b] = await Promise.all([
          ours.findDocumentsById(ids, withDeleted),
          reference.findDocumentsById(ids, withDeleted),
        ]);
        const byId = (x: RxDocumentData<Row>, y: RxDocumentData<Row>) => (x.id < y.id ? -1 : 1);
        expect(a.sort(byId)).toEqual(b.sort(byId));
      }
      const oursChanges = await ours.getChangedDocumentsSince!(1000);
      expect(oursChanges.documents).toHaveLength(stored.size);
      expect(oursChanges.documents.map((d) => d.id).sort()).toEqual([...stored.keys()].sort());
      const lwts = oursChanges.documents.map((d) => d._meta.lwt);
      expect(lwts).toEqual([...lwts].sort((x, y) => x - y));
    });

    it('agrees on results of over 512 documents not cached (read in one pass), after a reopen', async () => {
      const rows = Array.from({ length: 1600 }, (_, i) => makeRow(`s${String(i).padStart(4, '0')}`));
      await writeBoth(rows.map((row) => ({ document: toDoc(row) })));
      await reopenOurs();
      const sorts: MangoQuery<Row>['sort'][] = [
        [{ str: 'asc' }],
        [{ num: 'desc' }, { str: 'asc' }],
        [{ price: 'asc' }],
        [{ flag: 'asc' }, { price: 'desc' }],
        [{ id: 'asc' }],
      ];
      let large = 0;
      // Each sort twice: first with nothing cached, then (default cache) with every document held.
      for (const sort of [...sorts, ...sorts]) {
        for (const query of [
          { selector: {}, sort },
          { selector: { num: { $gte: 5 } }, sort, skip: 7, limit: 900 },
        ] as MangoQuery<Row>[]) {
          const prepared = prepare(query);
          const [a, b] = await Promise.all([ours.query(prepared), reference.query(prepared)]);
          expect(a.documents, JSON.stringify(query)).toEqual(b.documents);
          if (b.documents.length > 512) large++;
        }
      }
      expect(large).toBeGreaterThanOrEqual(10);
    });
  });
}
