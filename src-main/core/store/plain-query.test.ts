import { createRxDatabase, randomToken, type RxCollection, type RxDatabase } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { describe, expect, it } from 'vitest';
import { openAppDatabase, type AppDatabase } from './database';
import { queryFields, queryPlain } from './plain-query';
import { saleMigrations, saleSchema, type SaleDoc } from './schemas/index';
import { findSqliteInstance } from './search-collection';
import { useKeychainAndDir } from './test-hooks';

const store = useKeychainAndDir();

const DEVICE = 'OP-00000000000000aa';

function sale(i: number, deviceId = DEVICE): SaleDoc {
  return {
    id: `s-${String(i).padStart(4, '0')}`,
    deviceId,
    seq: i + 1,
    prevHash: 'a',
    hash: 'b',
    createdAt: 1_000 + i,
    currency: 'XOF',
    totalMinor: 100 * i,
    lines: [],
    tenders: [],
    status: 'recorded',
    online: false,
    ...(i % 3 === 0 ? {} : { shiftId: `shift-${i % 2}` }),
    ...(i % 5 === 0 ? {} : { record: JSON.stringify({ n: i, text: 'quote " and \\ backslash, é' }) }),
  };
}

const SHIFT_QUERY = { selector: { deviceId: DEVICE, createdAt: { $gte: 1_010 } } };
const FIELDS = ['shiftId', 'record', 'totalMinor'] as const;

/** What the fields must be: read from the documents RxQuery itself returns. */
async function expected(sales: RxCollection<SaleDoc>) {
  return (await sales.find(SHIFT_QUERY).exec()).map((d) => FIELDS.map((f) => d.get(f) as unknown));
}

async function openApp(name: string): Promise<AppDatabase> {
  return openAppDatabase({ dataDir: store.dir.path, keyStore: store.keychain.keyStore, name });
}

describe('queryFields', () => {
  it('gives what the documents hold, read from the cache or extracted by SQLite after a reopen', async () => {
    const name = `fields${randomToken(6)}`;
    let app = await openApp(name);
    const all = Array.from({ length: 60 }, (_, i) => sale(i));
    await app.rx.sales.bulkInsert([...all, sale(100, 'OP-00000000000000bb')]);
    await app.rx.sales.findOne('s-0042').remove();
    const want = await expected(app.rx.sales);
    expect(want).toHaveLength(49); // 50 from createdAt 1010, one deleted, the other till's not
    // Written by this process: every document is in the cache, handed out as `doc`.
    const warm = await queryFields(app.rx.sales, SHIFT_QUERY, [...FIELDS]);
    expect(warm.map((r) => r.values)).toEqual(want);
    expect(warm.every((r) => r.doc !== undefined)).toBe(true);
    await app.close();

    // Reopened: nothing cached, so the fields come from json_extract and no document is parsed.
    app = await openApp(name);
    const cold = await queryFields(app.rx.sales, SHIFT_QUERY, [...FIELDS]);
    expect(cold.map((r) => r.values)).toEqual(want);
    expect(cold.every((r) => r.doc === undefined)).toBe(true);
    const instance = findSqliteInstance(app.rx.sales)!;
    expect(instance).toBeDefined();
    expect(await queryFields(app.rx.sales, { ...SHIFT_QUERY, limit: 0 }, ['record'])).toEqual([]);
    // A query the index cannot answer alone (a sort against it) still answers the same.
    const sorted = await queryFields(app.rx.sales, { ...SHIFT_QUERY, sort: [{ totalMinor: 'desc' }] }, [
      'totalMinor',
    ]);
    expect(sorted.map((r) => r.values[0])).toEqual(
      want.map((v) => v[2]).sort((a, b) => Number(b) - Number(a)),
    );
    expect(await queryPlain(app.rx.sales, SHIFT_QUERY)).toHaveLength(49);
    await app.close();
  });

  it('agrees on cached and uncached documents when a large range is read in one pass', async () => {
    // 700 sales: over 512 not cached after a reopen, so the range is read once with the fields.
    const name = `fields${randomToken(6)}`;
    let app = await openApp(name);
    const many = Array.from({ length: 700 }, (_, i) => ({ ...sale(i), online: i % 2 === 0 }));
    await app.rx.sales.bulkInsert([...many, sale(1_000, 'OP-00000000000000bb')]);
    await app.rx.sales.findOne('s-0042').remove();
    const fields = ['shiftId', 'record', 'online', 'totalMinor'] as const;
    const want = (await app.rx.sales.find(SHIFT_QUERY).exec()).map((d) =>
      fields.map((f) => d.get(f) as unknown),
    );
    expect(want).toHaveLength(689);
    const page = { ...SHIFT_QUERY, skip: 30, limit: 600 };
    const wantPage = want.slice(30, 630);
    await app.close();

    app = await openApp(name);
    // A fifth of the shift read by id (so cached): those come from their objects, the rest from SQL.
    const cachedIds = many.filter((_, i) => i >= 10 && i % 5 === 0 && i !== 42).map((s) => s.id);
    await app.rx.sales.findByIds(cachedIds).exec();
    const rows = await queryFields(app.rx.sales, SHIFT_QUERY, [...fields]);
    expect(rows.map((r) => r.values)).toEqual(want);
    const held = rows.filter((r) => r.doc !== undefined).map((r) => r.doc!.id);
    expect(held).toEqual(cachedIds);
    // SQLite reads a JSON boolean as 1/0: the schema's boolean comes back as the document holds it.
    expect(rows.filter((r) => r.doc === undefined).map((r) => typeof r.values[2])).not.toContain('number');
    expect((await queryFields(app.rx.sales, page, [...fields])).map((r) => r.values)).toEqual(wantPage);
    await app.close();

    // Mostly cached (the whole shift read once): the few others by rowid, the same answer.
    app = await openApp(name);
    await app.rx.sales.find(SHIFT_QUERY).exec();
    const warm = await queryFields(app.rx.sales, page, [...fields]);
    expect(warm.map((r) => r.values)).toEqual(wantPage);
    expect(warm.every((r) => r.doc !== undefined)).toBe(true);
    await app.close();
  });

  it('gives a string with a lone surrogate as the document holds it, by rowid and in one pass', async () => {
    // Attack (rt16): JSON.stringify writes a lone surrogate as the escape \udXXX; json_extract
    // decodes it to bytes that are not UTF-8, which reach JS as U+FFFD. Only the parse gets it back.
    const odd = (i: number): SaleDoc => ({
      ...sale(i),
      shiftId: i % 2 ? `shift-\ud800-${i}` : `shift-\udfff\ud83d-${i}`,
      record: i % 3 ? 'a real \ufffd replacement' : 'r\udc00',
    });
    const name = `fields${randomToken(6)}`;
    let app = await openApp(name);
    await app.rx.sales.bulkInsert(Array.from({ length: 700 }, (_, i) => odd(i)));
    const fields = ['shiftId', 'record'] as const;
    const want = (await app.rx.sales.find(SHIFT_QUERY).exec()).map((d) =>
      fields.map((f) => d.get(f) as unknown),
    );
    await app.close();
    for (const query of [SHIFT_QUERY, { ...SHIFT_QUERY, limit: 20 }]) {
      app = await openApp(name); // nothing cached: 690 rows in one pass, 20 by rowid
      const rows = await queryFields(app.rx.sales, query, [...fields]);
      expect(rows.map((r) => r.values)).toEqual(want.slice(0, rows.length));
      expect(rows).toHaveLength(query === SHIFT_QUERY ? 690 : 20);
      await app.close();
    }
  });

  it('refuses a field SQLite would hand over as JSON text instead of the value', async () => {
    const app = await openApp(`fields${randomToken(6)}`);
    await expect(queryFields(app.rx.sales, SHIFT_QUERY, ['lines'])).rejects.toThrow(
      /not a top-level scalar field: lines/,
    );
    await app.close();
  });

  it('refuses a field name it would have to splice into SQL', async () => {
    const app = await openApp(`fields${randomToken(6)}`);
    await app.rx.sales.insert(sale(20));
    await app.close();
    const again = await openApp(app.rx.name);
    await expect(
      queryFields(again.rx.sales, SHIFT_QUERY, ["record') FROM x --" as keyof SaleDoc & string]),
    ).rejects.toThrow(/not a top-level field name/);
    await again.close();
  });

  it('answers the same from the plain documents on another storage', async () => {
    const rx: RxDatabase = await createRxDatabase({
      name: `mem${randomToken(6)}`,
      storage: getRxStorageMemory(),
      multiInstance: false,
    });
    const { sales } = await rx.addCollections({
      sales: { schema: saleSchema, migrationStrategies: saleMigrations },
    });
    await sales.bulkInsert(Array.from({ length: 60 }, (_, i) => sale(i)));
    const rows = await queryFields(sales as RxCollection<SaleDoc>, SHIFT_QUERY, [...FIELDS]);
    expect(rows.map((r) => r.values)).toEqual(await expected(sales as RxCollection<SaleDoc>));
    await rx.close();
  });
});
