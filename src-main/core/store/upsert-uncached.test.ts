/**
 * RxDB's upsert, incrementalUpsert and bulkUpsert insert first and fall back on the 409's
 * `documentInDb`: over a file reopened (nothing cached), each of them goes through bulk-write.ts's
 * inserts without the conflict read, their rollback and redo. Attack (rt16): the same operations on
 * RxDB's memory storage and on ours after a reopen must leave the same documents, tombstones and
 * revision heights, and refuse the same insert.
 */
import { createRxDatabase, randomToken, type RxCollection, type RxDatabase } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { describe, expect, it } from 'vitest';
import { openAppDatabase } from './database';
import { settingMigrations, settingSchema, type SettingDoc } from './schemas/index';
import { useKeychainAndDir } from './test-hooks';

const store = useKeychainAndDir();
const KEYS = ['a', 'b', 'c', 'd', 'e'];

async function setUp(settings: RxCollection<SettingDoc>): Promise<void> {
  await settings.bulkInsert(['a', 'b', 'c'].map((key) => ({ key, value: '1', updatedAt: 1 })));
  await (await settings.findOne('b').exec())!.remove();
}

async function attack(settings: RxCollection<SettingDoc>): Promise<string> {
  await settings.upsert({ key: 'a', value: '2', updatedAt: 2 }); // stored, not cached
  await settings.upsert({ key: 'b', value: '2', updatedAt: 2 }); // a tombstone
  await settings.incrementalUpsert({ key: 'c', value: '2', updatedAt: 2 }); // stored, not cached
  await settings.incrementalUpsert({ key: 'd', value: '2', updatedAt: 2 }); // new
  await settings.bulkUpsert(['a', 'e', 'b'].map((key) => ({ key, value: '3', updatedAt: 3 })));
  const again = await settings.bulkInsert([{ key: 'c', value: '4', updatedAt: 4 }]);
  return again.error.map((e) => `${e.status} ${e.documentId}`).join();
}

async function state(settings: RxCollection<SettingDoc>) {
  const docs = await settings.storageInstance.findDocumentsById(KEYS, true);
  return docs
    .map((d) => ({ key: d.key, value: d.value, deleted: d._deleted, height: parseInt(d._rev, 10) }))
    .sort((x, y) => x.key.localeCompare(y.key));
}

describe('upserts over documents the cache does not hold', () => {
  it('leave what RxDB memory storage leaves, with the same refusal', async () => {
    const mem: RxDatabase = await createRxDatabase({
      name: `mem${randomToken(6)}`,
      storage: getRxStorageMemory(),
      multiInstance: false,
    });
    const { settings: memSettings } = await mem.addCollections({
      settings: { schema: settingSchema, migrationStrategies: settingMigrations },
    });
    const memory = memSettings as RxCollection<SettingDoc>;
    await setUp(memory);
    const memRefused = await attack(memory);

    const name = `upserts${randomToken(6)}`;
    const open = () => openAppDatabase({ dataDir: store.dir.path, keyStore: store.keychain.keyStore, name });
    let app = await open();
    await setUp(app.rx.settings);
    await app.close();
    app = await open();
    const refused = await attack(app.rx.settings);

    expect(refused).toBe('409 c');
    expect(refused).toBe(memRefused);
    const want = await state(memory);
    expect(await state(app.rx.settings)).toEqual(want);
    expect((await app.rx.settings.find().exec()).map((d) => d.key).sort()).toEqual(
      want.filter((d) => !d.deleted).map((d) => d.key),
    );
    await app.close();
    app = await open(); // and on the file itself
    expect(await state(app.rx.settings)).toEqual(want);
    await app.close();
    await mem.close();
  });
});
