import { hkdfSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
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
  try {
    // 'wx': if another process created it meanwhile, use theirs rather than overwrite it.
    const handle = await open(file, 'wx', 0o600);
    await handle.writeFile(`${secret.toString('base64')}\n`);
    await handle.close();
    await chmod(file, 0o600);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return decode(await readFile(file, 'utf8'), file);
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
