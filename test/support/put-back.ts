import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The rollback attack of issue #16 (ninth red-team pass M-1, M-3), as a user with nothing but file
 * access does it: close the app, copy its data directory, start it and let `meanwhile` happen, close
 * it, put the copy back, start it again. The keychain is left alone: the attacker cannot roll it back.
 */
export async function putBackAfter(
  dataDir: string,
  app: { close(): Promise<void>; start(): Promise<void> },
  meanwhile: () => Promise<void>,
): Promise<void> {
  await app.close();
  const copy = await mkdtemp(join(tmpdir(), 'outpost-copy-'));
  await cp(dataDir, copy, { recursive: true });
  await app.start();
  await meanwhile();
  await app.close();
  await rm(dataDir, { recursive: true, force: true });
  await cp(copy, dataDir, { recursive: true });
  await rm(copy, { recursive: true, force: true });
  await app.start();
}
