import { createWriteStream } from 'node:fs';
import { open, rename, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { encryptedPath, ensureMaterialDirs, partPath, removeQuietly, uploadPath } from '../storage';
import type { ByteRange, MaterialBlobs, PendingObject } from './types';

/** A `.part` file renamed into place on commit: rename is atomic, so readers see all or nothing. */
function pendingFile(part: string, target: string, flags: 'w' | 'wx'): PendingObject {
  return {
    stream: createWriteStream(part, { flags, mode: 0o600 }),
    commit: () => rename(part, target),
    abort: () => removeQuietly(part),
  };
}

async function openFile(path: string, range?: ByteRange): Promise<Readable> {
  // Opened before returning, so a missing file rejects here (ENOENT) rather than mid-stream.
  const handle = await open(path, 'r');
  return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
}

/** Files under one directory (`<dataDir>/materials`): the layout of ../storage.ts. */
export function directoryBlobs(dir: string): MaterialBlobs {
  return {
    store: 'directory',
    async receiveUpload(id) {
      await ensureMaterialDirs(dir);
      const path = uploadPath(dir, id);
      return pendingFile(partPath(path), path, 'wx');
    },
    openUpload: (id) => openFile(uploadPath(dir, id)),
    deleteUpload: (id) => removeQuietly(uploadPath(dir, id)),
    async stageEncrypted(id, attempt) {
      await ensureMaterialDirs(dir);
      const target = encryptedPath(dir, id);
      // Per attempt, so a worker whose lease lapsed never writes into its successor's file.
      return pendingFile(partPath(`${target}.${attempt}`), target, 'w');
    },
    async encryptedSize(id) {
      try {
        return (await stat(encryptedPath(dir, id))).size;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    openEncrypted: (id, range) => openFile(encryptedPath(dir, id), range),
  };
}
