import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { anchorMac, anchorMacValid } from './key';
import type { Anchor } from './verify';

/**
 * The last checkpoint this server wrote, kept beside the master key file, outside the database:
 * someone who can only write the database can remove the last rows together with their
 * checkpoints, and the chain that is left is consistent; the anchor still names the row it must
 * reach. MAC'd so a damaged file is told apart from a truncated log, and bound to the database's
 * instance_id (server_meta) so one data directory pointed at another database is told apart too.
 */
export function anchorPath(dataDir: string): string {
  return join(dataDir, 'server', 'audit-anchor.json');
}

const AnchorFile = z.object({
  through_id: z.string().regex(/^[1-9][0-9]*$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  instance_id: z.string().min(1).max(100),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
});

export async function writeAnchor(file: string, key: Buffer, anchor: Anchor): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const body = { ...anchor, mac: anchorMac(key, anchor) };
  // Write then rename: a crash leaves the old anchor or the new one, never half of one.
  await writeFile(`${file}.tmp`, `${JSON.stringify(body)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

export class AnchorInvalid extends Error {}

/** The anchor in `file`; undefined when there is none. Throws AnchorInvalid when it does not verify. */
export async function readAnchor(file: string, key: Buffer): Promise<Anchor | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AnchorInvalid(`${file} is not JSON`);
  }
  const parsed = AnchorFile.safeParse(json);
  if (!parsed.success) throw new AnchorInvalid(`${file} is not an audit anchor`);
  const { mac, ...anchor } = parsed.data;
  if (!anchorMacValid(key, anchor, mac))
    throw new AnchorInvalid(`${file} does not verify under this master secret`);
  return anchor;
}
