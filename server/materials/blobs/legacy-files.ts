import type { MaterialBlobs } from './types';

/**
 * The database store over the files a server kept before it (issue #23): an upload or encrypted
 * object not in the table is read from the directory, so materials encrypted before the upgrade
 * keep being served and uploads queued before it still get encrypted, without a move at start-up
 * that would copy gigabytes before the server answers. New objects go to the table only; a retried
 * job publishes into the table, and deleting an upload removes both copies.
 */
export function withLegacyFiles(primary: MaterialBlobs, legacy: MaterialBlobs): MaterialBlobs {
  return {
    store: primary.store,
    receiveUpload: (id) => primary.receiveUpload(id),
    async openUpload(id) {
      try {
        return await primary.openUpload(id);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        return legacy.openUpload(id);
      }
    },
    async deleteUpload(id) {
      await Promise.all([primary.deleteUpload(id), legacy.deleteUpload(id)]);
    },
    stageEncrypted: (id, attempt) => primary.stageEncrypted(id, attempt),
    async encryptedSize(id) {
      return (await primary.encryptedSize(id)) ?? legacy.encryptedSize(id);
    },
    async openEncrypted(id, range) {
      const inTable = (await primary.encryptedSize(id)) !== undefined;
      return (inTable ? primary : legacy).openEncrypted(id, range);
    },
  };
}
