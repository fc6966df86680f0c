import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The directory store's layout (./blobs/directory.ts), which the database store still reads after
 * an upgrade (./blobs/legacy-files.ts, ./blobs/move-files.ts): `uploads/<id>.upload` holds a
 * plaintext upload until its encryption job has run (then it is deleted); `<id>.enc` is the
 * encrypted file downloads serve. `.part` files are being written and never served.
 */
export const uploadPath = (dir: string, id: string) => join(dir, 'uploads', `${id}.upload`);
export const encryptedPath = (dir: string, id: string) => join(dir, `${id}.enc`);
export const partPath = (path: string) => `${path}.part`;

export async function ensureMaterialDirs(dir: string): Promise<void> {
  // 0700: plaintext uploads wait here for their job.
  await mkdir(join(dir, 'uploads'), { recursive: true, mode: 0o700 });
}

export async function removeQuietly(...paths: string[]): Promise<void> {
  await Promise.all(paths.map((p) => rm(p, { force: true }).catch(() => undefined)));
}
