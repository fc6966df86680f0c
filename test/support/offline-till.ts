import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateHpkeKeyPair } from '../../protocol/hpke/keys';
import { SN_POLICY } from './sn-policy';

/**
 * A data directory of a till enrolled against a server that is not there (sales are recorded
 * offline), and a renderer folder with a stub page for the browser host.
 */
export async function offlineTillDirs(prefix: string): Promise<{ dataDir: string; rendererDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), prefix));
  const now = new Date().toISOString();
  await writeFile(
    join(dataDir, 'enrollment.json'),
    JSON.stringify({
      enrollment: {
        state: 'enrolled',
        mode: 'pos',
        serverUrl: 'http://127.0.0.1:9',
        tenant: { type: 'merchant', id: 'shop-42' },
        country: 'SN',
        currency: 'XOF',
        userEmail: null,
        enrolledAt: now,
        lastCheckInAt: now,
      },
      server: { signingPublicKeyPem: 'unused', hpkePublicKey: generateHpkeKeyPair().publicKey },
      policy: SN_POLICY,
      serverClockOffsetMs: 0,
    }),
  );
  const rendererDir = join(dataDir, '..', `renderer-${randomUUID()}`);
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Outpost</title>');
  return { dataDir, rendererDir };
}
