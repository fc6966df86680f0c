import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/**
 * `dir`, created if missing, with no access for group or others: created 0700, and an existing
 * directory left more open (an old install, a 0777 mkdir by hand) is tightened, since what it
 * holds (database files, the master key) must be readable by the server's user alone.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const { mode } = await lstat(dir);
  if ((mode & 0o077) !== 0) await chmod(dir, mode & 0o700);
}

/**
 * Every directory under `root` (and `root`) 0700 and every regular file 0600. Symbolic links are
 * neither followed nor changed: the tree is ours, what a link points to may not be.
 */
export async function makeTreePrivate(root: string): Promise<void> {
  const entry = await lstat(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (entry === undefined || entry.isSymbolicLink()) return;
  if (entry.isDirectory()) {
    if ((entry.mode & 0o777) !== DIR_MODE) await chmod(root, DIR_MODE);
    for (const name of await readdir(root)) await makeTreePrivate(join(root, name));
  } else if (entry.isFile() && (entry.mode & 0o777) !== FILE_MODE) {
    await chmod(root, FILE_MODE);
  }
}
