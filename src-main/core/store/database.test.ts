import { existsSync } from 'node:fs';
import { addRxPlugin, createRxDatabase, defaultHashSha256, randomToken } from 'rxdb';
import type { RxJsonSchema } from 'rxdb';
import { RxDBDevModePlugin } from 'rxdb/plugins/dev-mode';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from './database';
import { decodeSetting, encodeSetting, openAppDatabase, type SaleDoc } from './index';
import type { SqliteInternals } from './instance';
import { saleSchema } from '@outpost/terminal-sdk';
import { useKeychainAndDir } from './test-hooks';
import { decodeIndexKey } from './fixtures/first-layout';
import { getRxStorageSqlite } from './storage';

// Dev-mode checks our schemas the way RxDB's own tooling does (indexes, maxLength, types...).
addRxPlugin(RxDBDevModePlugin);

const store = useKeychainAndDir();

const DAY = 86_400_000;

function sale(i: number, deviceId: string, createdAt: number): SaleDoc {
  return {
    id: `${deviceId}-${i}`,
    deviceId,
    seq: i,
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
    createdAt,
    currency: 'XOF',
    totalMinor: 1500 * (i + 1),
    lines: [
      {
        sku: 'rice-1kg',
        name: 'Riz 1kg',
        qty: i + 1,
        unitPriceMinor: 1500,
        taxRate: 1800,
        totalMinor: 1500 * (i + 1),
      },
    ],
    tenders: [{ kind: 'cash', amountMinor: 1500 * (i + 1) }],
    status: 'recorded',
    online: false,
  };
}

describe('openAppDatabase', () => {
  it("hashes as RxDB's default does: schema hashes of existing databases stay valid", async () => {
    const text = JSON.stringify(saleSchema) + 'é☃😀';
    expect(await sha256Hex(text)).toBe(await defaultHashSha256(text));
    const bytes = new TextEncoder().encode(text);
    expect(await sha256Hex(new Blob([bytes]))).toBe(await defaultHashSha256(new Blob([bytes])));
    expect(await sha256Hex(bytes.buffer)).toBe(await defaultHashSha256(bytes.buffer));
  });

  it('creates every collection, stores sales and answers "today for this terminal" by index', async () => {
    const name = `app${randomToken(6)}`;
    const app = await openAppDatabase({ dataDir: store.dir.path, keyStore: store.keychain.keyStore, name });
    expect(Object.keys(app.rx.collections).sort()).toEqual(
      ['catalog', 'licences', 'materials', 'reading', 'sales', 'settings'].sort(),
    );
    expect(existsSync(app.filePath)).toBe(true);
    expect((await store.keychain.keys.keysForExistingDatabase(name)).current).toMatchObject({
      cipher: 'aegis',
    });

    const today = Date.UTC(2025, 0, 15);
    const docs = [
      ...Array.from({ length: 5 }, (_, i) => sale(i, 'pos-1', today - DAY + i)),
      ...Array.from({ length: 5 }, (_, i) => sale(10 + i, 'pos-1', today + i * 1000)),
      ...Array.from({ length: 5 }, (_, i) => sale(20 + i, 'pos-2', today + i * 1000)),
    ];
    expect((await app.rx.sales.bulkInsert(docs)).error).toEqual([]);

    const query = app.rx.sales.find({
      selector: { deviceId: 'pos-1', createdAt: { $gte: today, $lt: today + DAY } },
      sort: [{ createdAt: 'asc' }],
    });
    expect((await query.exec()).map((d) => d.seq)).toEqual([10, 11, 12, 13, 14]);
    expect(
      await app.rx.sales.count({ selector: { deviceId: 'pos-1', createdAt: { $gte: today } } }).exec(),
    ).toBe(5);

    await app.rx.catalog.insert({
      sku: 'rice-1kg',
      barcode: '6001234567890',
      name: 'Riz 1kg',
      priceMinor: 1500,
      currency: 'XOF',
      taxRate: 1800,
      updatedAt: today,
    });
    expect((await app.rx.catalog.findOne({ selector: { barcode: '6001234567890' } }).exec())?.sku).toBe(
      'rice-1kg',
    );
    await app.rx.settings.insert({
      key: 'printer',
      value: encodeSetting({ width: 58, cut: true }),
      updatedAt: today,
    });
    await app.rx.licences.insert({
      id: 'lic-1',
      materialId: 'mat-1',
      deviceId: 'pos-1',
      issuedAt: today,
      expiresAt: today + 30 * DAY,
      state: 'active',
      token: 'signed',
    });
    await app.close();

    const reopened = await openAppDatabase({
      dataDir: store.dir.path,
      keyStore: store.keychain.keyStore,
      name,
    });
    expect(await reopened.rx.sales.count().exec()).toBe(15);
    const printer = await reopened.rx.settings.findOne('printer').exec();
    expect(printer && decodeSetting(printer)).toEqual({ width: 58, cut: true });
    await reopened.rx.remove();
  });

  it('rejects documents that break the schema (ajv validation)', async () => {
    const app = await openAppDatabase({
      dataDir: store.dir.path,
      keyStore: store.keychain.keyStore,
      name: `app${randomToken(6)}`,
    });
    const good = sale(1, 'pos-1', Date.UTC(2025, 0, 1));
    await expect(app.rx.sales.insert({ ...good, id: 'fraction', totalMinor: 12.5 })).rejects.toMatchObject({
      code: 'VD2',
    });
    await expect(app.rx.sales.insert({ ...good, id: 'currency', currency: 'cfa' })).rejects.toMatchObject({
      code: 'VD2',
    });
    await app.rx.sales.insert(good);
    expect(await app.rx.sales.count().exec()).toBe(1);
    await app.rx.remove();
  });

  it('rekey() rotates the key and the database still opens with data intact', async () => {
    const name = `app${randomToken(6)}`;
    const app = await openAppDatabase({ dataDir: store.dir.path, keyStore: store.keychain.keyStore, name });
    await app.rx.sales.insert(sale(1, 'pos-1', Date.UTC(2025, 0, 1)));
    const before = (await store.keychain.keys.keysForExistingDatabase(name)).current;
    await app.rekey();
    const after = (await store.keychain.keys.keysForExistingDatabase(name)).current;
    expect(after?.bytes).toHaveLength(32);
    expect(after?.bytes.equals(before!.bytes)).toBe(false);
    expect(await store.keychain.keyStore.get(`db-key:${name}:next`)).toBeNull();
    // The open connection keeps working after the rekey.
    await app.rx.sales.insert(sale(2, 'pos-1', Date.UTC(2025, 0, 2)));
    await app.close();
    const reopened = await openAppDatabase({
      dataDir: store.dir.path,
      keyStore: store.keychain.keyStore,
      name,
    });
    expect(await reopened.rx.sales.count().exec()).toBe(2);
    await reopened.rx.remove();
  });
});

describe('schema migration on our storage', () => {
  it('migrates sales 1 -> 2 (id fields maxLength 64 -> 40): every sale kept, indexes rebuilt', async () => {
    const name = `sal${randomToken(6)}`;
    const wide = { type: 'string', maxLength: 64 } as const;
    const salesV1: RxJsonSchema<SaleDoc> = {
      ...saleSchema,
      version: 1,
      properties: {
        ...saleSchema.properties,
        id: wide,
        deviceId: wide,
        originalSaleId: wide,
        shiftId: wide,
        bundleId: wide,
      },
    };
    const storage = wrappedValidateAjvStorage({
      storage: getRxStorageSqlite({ databaseDir: store.dir.path, keyProvider: store.keychain.keys }),
    });
    const first = await createRxDatabase({ name, storage, multiInstance: false });
    const { sales } = await first.addCollections({
      sales: { schema: salesV1, migrationStrategies: { 1: (doc: SaleDoc) => doc } },
    });
    const uuid = '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60';
    await sales.bulkInsert([
      { ...sale(0, 'OP-ABCDEFGHJKMNPQRS', Date.UTC(2025, 0, 1)), id: uuid, shiftId: uuid },
      sale(1, 'OP-ABCDEFGHJKMNPQRS', Date.UTC(2025, 0, 2)),
      sale(2, 'OP-ZYXWVUTSRQPNMKJH', Date.UTC(2025, 0, 2)),
    ]);
    await first.close();

    const app = await openAppDatabase({ dataDir: store.dir.path, keyStore: store.keychain.keyStore, name });
    expect(app.rx.sales.schema.version).toBe(2);
    expect(await app.rx.sales.count().exec()).toBe(3);
    expect((await app.rx.sales.findOne(uuid).exec())?.shiftId).toBe(uuid);
    const day2 = await app.rx.sales
      .find({
        selector: {
          deviceId: 'OP-ABCDEFGHJKMNPQRS',
          createdAt: { $gte: Date.UTC(2025, 0, 2), $lt: Date.UTC(2025, 0, 3) },
        },
      })
      .exec();
    expect(day2.map((d) => d.seq)).toEqual([1]);
    const db = (app.rx.sales.storageInstance.internals as SqliteInternals).db;
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'sales-%'")
      .pluck()
      .all();
    expect(tables).toEqual(['sales-2']);
    // [_deleted, deviceId, createdAt, id]: 1 + 40 + createdAt + 40 characters of RxDB's string,
    // which the compact key holds (decoded here) in fewer bytes.
    const keys = db.prepare('SELECT i0 FROM "sales-2"').pluck().all() as Buffer[];
    const lengths = [...new Set(keys.map((k) => decodeIndexKey(k).length))];
    expect(lengths).toHaveLength(1);
    expect(lengths[0]).toBeLessThan(1 + 64 + 64);
    for (const k of keys) expect(k.length).toBeLessThan(lengths[0]!);
    await app.rx.remove();
  });

  interface NoteV0 {
    id: string;
    text: string;
  }
  interface NoteV1 extends NoteV0 {
    words: number;
  }
  const v0: RxJsonSchema<NoteV0> = {
    version: 0,
    primaryKey: 'id',
    type: 'object',
    properties: { id: { type: 'string', maxLength: 20 }, text: { type: 'string' } },
    required: ['id', 'text'],
  };
  const v1: RxJsonSchema<NoteV1> = {
    version: 1,
    primaryKey: 'id',
    type: 'object',
    properties: {
      id: { type: 'string', maxLength: 20 },
      text: { type: 'string' },
      words: { type: 'integer', minimum: 0, maximum: 100000, multipleOf: 1 },
    },
    required: ['id', 'text', 'words'],
    indexes: ['words'],
  };

  it('migrates documents from version 0 to 1 through migrationStrategies', async () => {
    const name = `mig${randomToken(6)}`;
    const storage = wrappedValidateAjvStorage({
      storage: getRxStorageSqlite({ databaseDir: store.dir.path, keyProvider: store.keychain.keys }),
    });
    const first = await createRxDatabase({ name, storage, multiInstance: false });
    const { notes } = await first.addCollections({ notes: { schema: v0 } });
    await notes.bulkInsert([
      { id: 'a', text: 'one two three' },
      { id: 'b', text: 'four' },
    ]);
    await first.close();

    const second = await createRxDatabase({ name, storage, multiInstance: false });
    const migrated = await second.addCollections({
      notes: {
        schema: v1,
        migrationStrategies: { 1: (doc: NoteV0) => ({ ...doc, words: doc.text.split(' ').length }) },
      },
    });
    const docs = await migrated.notes
      .find({ selector: { words: { $gte: 1 } }, sort: [{ words: 'asc' }] })
      .exec();
    expect(docs.map((d) => [d.id, d.words])).toEqual([
      ['b', 1],
      ['a', 3],
    ]);
    await second.remove();
  });
});
