import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RxCollection } from 'rxdb';
import type { SettingDoc } from '@outpost/terminal-sdk';
import { APPLIED_FILE, type AppliedStorage } from './provisioning';

/** Settings key of the last applied provisioning record in the encrypted store. */
export const APPLIED_PROVISIONING_KEY = 'provisioning.applied';

/**
 * The last applied provisioning record in the encrypted store (issue #16). Its `issued_at` is the
 * high-water mark that refuses older signed files (ROLLBACK); as the plain
 * `provisioning.applied.json`, deleting it forgot the mark and an older signed file (another server,
 * looser limits) was applied again. The first start with the store open moves that file in and
 * deletes it; a file of that name is never read again once the store holds a record.
 */
export async function appliedInStore(
  dataDir: string,
  collection: RxCollection<SettingDoc>,
): Promise<AppliedStorage> {
  const legacy = join(dataDir, APPLIED_FILE);
  const write = async (text: string) => {
    await collection.upsert({ key: APPLIED_PROVISIONING_KEY, value: text, updatedAt: Date.now() });
  };
  if (!(await collection.findOne(APPLIED_PROVISIONING_KEY).exec())) {
    // Moved as it is: its signature is checked again at every read, so a forged copy counts for nothing.
    const text = await readFile(legacy, 'utf8').catch(() => null);
    if (text !== null) await write(text);
  }
  await rm(legacy, { force: true });
  return {
    read: async () => (await collection.findOne(APPLIED_PROVISIONING_KEY).exec())?.value ?? null,
    write,
  };
}

/**
 * Without the store (keychain or disk failure) the record lives in memory for the run and the plain
 * file is not read: nothing that moves money or licences works then anyway.
 */
export function appliedInMemory(): AppliedStorage {
  let text: string | null = null;
  return {
    read: async () => text,
    write: async (next) => void (text = next),
  };
}
