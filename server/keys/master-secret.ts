import { hkdfSync, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../logger';

export const MASTER_SECRET_BYTES = 32;

export function masterSecretPath(dataDir: string): string {
  return join(dataDir, 'server', 'master.key');
}

/**
 * The master secret from OUTPOST_MASTER_SECRET, or else one generated once and kept in a 0600
 * file under the data directory. The file keeps a development or single-machine setup working
 * with no configuration, but anyone who can read the data directory and the database together
 * can decrypt the server keys: production should set the variable from a secret store.
 */
export async function loadMasterSecret(
  configured: Buffer | undefined,
  dataDir: string,
  logger?: Logger,
): Promise<Buffer> {
  if (configured) return configured;
  const file = masterSecretPath(dataDir);
  logger?.warn(
    { file },
    'OUTPOST_MASTER_SECRET is not set: using a master secret kept in a file under the data directory; set the variable in production',
  );
  try {
    return decode(await readFile(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(MASTER_SECRET_BYTES);
  return (await publishOnce(file, `${secret.toString('base64')}\n`))
    ? secret
    : decode(await readFile(file, 'utf8'), file);
}

/**
 * Writes `text` to `file` unless it exists, never showing a reader a partial file: written whole
 * and fsynced under a temporary name in the same directory, then hard-linked into place, which
 * fails with EEXIST when another process got there first (false: read theirs). Opening `file`
 * itself with 'wx' and then writing, as before, let a second server starting at the same moment
 * read it empty and fail, or worse, half written.
 */
async function publishOnce(file: string, text: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
    await handle.chmod(0o600);
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return false;
  } finally {
    await rm(temp, { force: true });
  }
}

function decode(text: string, file: string): Buffer {
  const secret = Buffer.from(text.trim(), 'base64');
  if (secret.length !== MASTER_SECRET_BYTES) {
    throw new Error(`${file} does not hold ${MASTER_SECRET_BYTES} bytes of base64`);
  }
  return secret;
}

/** A separate key per purpose, so no two uses of the master secret ever share a key. */
export function deriveKey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `outpost:${purpose}`, 32));
}

/**
 * The master secret for a tool run beside the server (worker, audit:verify, admin:create on
 * DATABASE_URL): from OUTPOST_MASTER_SECRET or the server's existing master.key, never a new one,
 * which would key rows the server cannot verify. Undefined when neither exists.
 */
export async function loadExistingMasterSecret(
  configured: Buffer | undefined,
  dataDir: string,
): Promise<Buffer | undefined> {
  if (configured) return configured;
  const file = masterSecretPath(dataDir);
  try {
    return decode(await readFile(file, 'utf8'), file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
