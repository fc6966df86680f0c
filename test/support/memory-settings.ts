import { randomUUID } from 'node:crypto';
import { createRxDatabase, type RxCollection } from 'rxdb';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { settingSchema, type SettingDoc } from '@outpost/terminal-sdk';

/**
 * A settings collection on RxDB's memory storage, for tests of what is kept in it (provisioning)
 * that are not about the encrypted store itself: same collection API, no keychain.
 */
export async function memorySettings(): Promise<{
  collection: RxCollection<SettingDoc>;
  close(): Promise<void>;
}> {
  const db = await createRxDatabase<{ settings: RxCollection<SettingDoc> }>({
    name: `settings${randomUUID().replace(/-/g, '')}`,
    storage: getRxStorageMemory(),
    multiInstance: false,
  });
  await db.addCollections({ settings: { schema: settingSchema } });
  return { collection: db.settings, close: () => db.close().then(() => undefined) };
}
