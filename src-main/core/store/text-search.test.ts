import { readFileSync } from 'node:fs';
import { createRevision, fillWithDefaultSettings, now, randomToken } from 'rxdb';
import type { RxDocumentData, RxJsonSchema } from 'rxdb';
import { describe, expect, it } from 'vitest';
import { catalogTextSearch } from './catalog-search';
import { getRxStorageSqlite, type RxStorageInstanceSqlite, type RxStorageSqliteSettings } from './index';
import { catalogSchema, type CatalogItemDoc } from './schemas/index';
import { useKeychainAndDir } from './test-hooks';
import { foldText } from './text-search';

type Item = RxDocumentData<CatalogItemDoc>;
const schema: RxJsonSchema<Item> = fillWithDefaultSettings(catalogSchema);
const token = randomToken(10);

const store = useKeychainAndDir();

function storageWith(textSearch: RxStorageSqliteSettings['textSearch']) {
  return getRxStorageSqlite({
    databaseDir: store.dir.path,
    keyProvider: store.keychain.keys,
    ...(textSearch ? { textSearch } : {}),
  });
}

/** `null`: the layout before text indexes (no textSearch setting). */
function open(
  databaseName: string,
  textSearch: RxStorageSqliteSettings['textSearch'] | null = { catalog: catalogTextSearch },
) {
  return storageWith(textSearch ?? undefined).createStorageInstance<CatalogItemDoc>({
    databaseInstanceToken: token,
    databaseName,
    collectionName: 'catalog',
    schema,
    options: {},
    multiInstance: false,
    devMode: true,
  });
}

function item(sku: string, name: string, barcode = ''): Item {
  return {
    sku,
    name,
    barcode,
    priceMinor: 100,
    currency: 'XOF',
    taxRate: 1800,
    updatedAt: 1,
    _deleted: false,
    _attachments: {},
    _meta: { lwt: now() },
    _rev: createRevision(token),
  };
}

function changed(prev: Item, change: Partial<Item>): Item {
  return { ...prev, ...change, _meta: { lwt: now() }, _rev: createRevision(token, prev) };
}

/** The till's search as it was before the index (a filter over every item), in the index's order. */
function reference(items: Iterable<Item>, query: string, limit: number): string[] {
  const q = foldText(query);
  return [...items]
    .filter((d) => !d._deleted)
    .filter(
      (d) => !q || foldText(d.name).includes(q) || foldText(d.sku).startsWith(q) || d.barcode.startsWith(q),
    )
    .map((d) => ({ d, key: catalogTextSearch.entry(d as unknown as Record<string, unknown>).sortKey }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, limit)
    .map(({ d }) => d.sku);
}

async function skus(store: RxStorageInstanceSqlite<CatalogItemDoc>, query: string, limit: number) {
  return (await store.searchText(foldText(query), limit)).map((d) => d.sku);
}

/** Deterministic, so a failure is reproducible. */
function rng(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

const WORDS = [
  'Café',
  'CAFE',
  'thé',
  'Pain',
  'pâte',
  'Riz',
  'riz "long"',
  'Huile',
  'ÉCLAIR',
  'eau',
  'Œuf',
  'Sucre',
  '%_*',
  'a',
];

describe('catalog text index', () => {
  it('answers what the whole-catalog filter answered, through inserts, renames and deletes', async () => {
    const store = await open(`search${randomToken(6)}`);
    const random = rng(21);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const held = new Map<string, Item>();
    const batch: Item[] = [];
    for (let i = 0; i < 400; i++) {
      const name = `${pick(WORDS)} ${pick(WORDS)} ${i % 7}`;
      const barcode = random() < 0.7 ? `6${String(Math.floor(random() * 1e12)).padStart(12, '0')}` : '';
      batch.push(item(`SKU-${pick(['A', 'b', 'É'])}${i}`, name, barcode));
    }
    expect(
      (
        await store.bulkWrite(
          batch.map((document) => ({ document })),
          'test',
        )
      ).error,
    ).toEqual([]);
    for (const d of batch) held.set(d.sku, d);

    const queries = [
      '',
      'c',
      'ca',
      'caf',
      'cafe',
      'CAFÉ',
      'é',
      'eclair',
      'riz "lo',
      '"',
      '%_',
      'sku-a1',
      'SKU-É',
      'ku-',
      '6',
      '60',
      '600',
      ' ',
      '3',
      'zzz',
      'œu',
      'pâte a',
      'e ',
    ];
    const check = async () => {
      for (const q of queries) {
        for (const limit of [5, 50, 1000]) {
          expect(await skus(store, q, limit), `${JSON.stringify(q)} limit ${limit}`).toEqual(
            reference(held.values(), q, limit),
          );
        }
      }
    };
    await check();

    // Renames, a new barcode, deletions, one revived: the index follows every committed write.
    const rows = [];
    for (const d of batch.slice(0, 120)) {
      const next =
        random() < 0.3
          ? changed(d, { _deleted: true })
          : changed(d, { name: `${pick(WORDS)} renamed`, barcode: random() < 0.5 ? '600123' : d.barcode });
      rows.push({ previous: d, document: next });
      held.set(d.sku, next);
    }
    expect((await store.bulkWrite(rows, 'test')).error).toEqual([]);
    await check();
    const deleted = [...held.values()].find((d) => d._deleted)!;
    const revived = changed(deleted, { _deleted: false, name: 'Revived Éclair' });
    await store.bulkWrite([{ previous: deleted, document: revived }], 'test');
    held.set(revived.sku, revived);
    await check();
    expect(await skus(store, 'revived', 10)).toEqual([revived.sku]);

    // A code matches from its start only, a name anywhere.
    expect(await skus(store, 'ku-', 10)).toEqual([]);
    await store.close();
  });

  it('is read again after a reopen, and a rolled-back bulk leaves it as it was', async () => {
    const name = `search${randomToken(6)}`;
    let store = await open(name);
    const a = item('A1', 'Lait entier', '6001');
    await store.bulkWrite([{ document: a }], 'test');
    // A conflicting insert fails its row: no index entry for it.
    await store.bulkWrite([{ document: item('A1', 'Autre chose') }], 'test');
    await store.close();
    store = await open(name);
    // The index's DDL commits without an fsync of its own; every other commit still waits for one.
    expect(store.internals.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(await skus(store, 'lait', 10)).toEqual(['A1']);
    expect(await skus(store, 'autre', 10)).toEqual([]);
    await store.close();
  });

  it('is built at open for a catalog written by the layout without it (an existing till file)', async () => {
    const name = `search${randomToken(6)}`;
    // Today's layout: no textSearch setting, so the file has the catalog table and nothing else.
    let store = await open(name, null);
    expect(store.internals.db.pragma('synchronous', { simple: true })).toBe(2);
    const items = Array.from({ length: 300 }, (_, i) =>
      item(`S${i}`, `Produit ${i} ${i % 2 ? 'Mangue' : 'Ananas'}`),
    );
    await store.bulkWrite(
      items.map((document) => ({ document })),
      'test',
    );
    const gone = changed(items[1]!, { _deleted: true });
    await store.bulkWrite([{ previous: items[1]!, document: gone }], 'test');
    expect(
      store.internals.db.prepare("SELECT name FROM sqlite_master WHERE name LIKE '%search%'").all(),
    ).toEqual([]);
    await expect(store.searchText('mangue', 5)).rejects.toMatchObject({ code: 'STORE_NO_TEXT_INDEX' });
    await store.close();

    store = await open(name);
    const held = [...items.slice(0, 1), gone, ...items.slice(2)];
    for (const q of ['mangue', 'ananas', 'produit 1', 's1', '']) {
      expect(await skus(store, q, 500)).toEqual(reference(held, q, 500));
    }
    await store.close();

    // A new version of the entry's rules builds the index again and drops the old one.
    const upper = {
      version: 2,
      entry: (d: Record<string, unknown>) => ({ ...catalogTextSearch.entry(d), prefixes: [] }),
    };
    store = await open(name, { catalog: upper });
    expect(await skus(store, 's1', 5)).toEqual([]);
    expect(await skus(store, 'mangue', 500)).toEqual(reference(held, 'mangue', 500));
    const tables = store.internals.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'catalog-0__%'")
      .pluck()
      .all() as string[];
    expect(tables.some((t) => t.endsWith('search1') || t.endsWith('fts1'))).toBe(false);
    await store.close();
  });

  it('keeps the indexed text encrypted on disk and in the WAL', async () => {
    const name = `search${randomToken(6)}`;
    const store = await open(name);
    const MARKER = 'zanzibarmarker';
    await store.bulkWrite(
      Array.from({ length: 50 }, (_, i) => ({ document: item(`M${i}`, `${MARKER} ${i}`, `${MARKER}${i}`) })),
      'test',
    );
    const path = storageWith(undefined).filePath(name);
    expect(readFileSync(`${path}-wal`).includes(MARKER)).toBe(false);
    expect(await skus(store, MARKER, 100)).toHaveLength(50);
    await store.close();
    expect(readFileSync(path).includes(MARKER)).toBe(false);
    expect(readFileSync(path).includes('trigram')).toBe(false);
  });

  it('narrows a query of three characters or more through FTS5, never a scan of the catalog', async () => {
    const store = await open(`search${randomToken(6)}`);
    await store.bulkWrite([{ document: item('X', 'Xylophone') }], 'test');
    const db = store.internals.db;
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE name LIKE '%__fts1'").pluck().all();
    expect(tables).toHaveLength(1);
    const plan = (
      db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT s.doc FROM "catalog-0__search1" s WHERE s.doc IN ` +
            `(SELECT rowid FROM "catalog-0__fts1" WHERE "catalog-0__fts1" MATCH ?) ORDER BY s.sort LIMIT ?`,
        )
        .all('"xyl"', 10) as { detail: string }[]
    ).map((r) => r.detail);
    expect(plan.join('\n')).toContain('VIRTUAL TABLE INDEX');
    expect(plan.join('\n')).not.toMatch(/SCAN catalog-0 /);
    await store.close();
  });
});
