import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import { generateEd25519, publicKeyPem } from '../../protocol/crypto';
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore, type Core } from '../../src-main/core';
import { APPLIED_FILE, signProvisioning } from '../../src-main/core/deploy/provisioning';

/**
 * Attack (issue #16, item 4): forget which provisioning file was applied last by deleting the plain
 * copy older versions kept, then place an older, genuinely signed file (another server). Real core,
 * real encrypted store, its key in the real Secret Service.
 */
const org = generateEd25519();
const orgKeys = [publicKeyPem(org.publicKey)];
const CURRENT = 'http://127.0.0.1:9';
const OLD = 'http://127.0.0.1:7';
const service = `outpost-test-${randomUUID()}`;
let session: SecretServiceSession;
let dir: string;
let core: Core | null = null;

function signed(serverUrl: string, issuedAgoMs: number): string {
  const now = Date.now();
  return JSON.stringify(
    signProvisioning(
      {
        v: 1,
        org: 'Boutiques de Dakar',
        issued_at: new Date(now - issuedAgoMs).toISOString(),
        expires_at: new Date(now + 86_400_000).toISOString(),
        server_url: serverUrl,
        tenant: { type: 'merchant', id: 'shop-7' },
        features: ['pos'],
      },
      org.privateKey,
    ),
  );
}
const current = signed(CURRENT, 60_000);
const older = signed(OLD, 7 * 86_400_000);

/** Starts the core with `text` as IT's provisioning file; answers app.status. */
async function startWith(text: string) {
  await core?.close();
  const file = join(dir, 'provisioning.json');
  await writeFile(file, text);
  core = await createCore({
    dataDir: join(dir, 'data'),
    appVersion: '1.0.0',
    platform: 'linux',
    defaultServerUrl: 'http://127.0.0.1:8',
    keyStore: new KeytarKeyStore({ service }),
    reachabilityIntervalMs: 60_000,
    provisioning: { env: { OUTPOST_PROVISIONING_FILE: file }, orgKeys },
  });
  return (await callCommand(core.handlers, 'app.status', {})) as {
    provisioning: { state: string; message: string | null };
    server: { url: string };
  };
}

beforeAll(async () => {
  session = await ensureSecretService();
  dir = await mkdtemp(join(tmpdir(), 'outpost-provisioning-plain-'));
  // An install from before the move: the current file was applied and its copy kept in plain.
  await mkdir(join(dir, 'data'));
  await writeFile(
    join(dir, 'data', APPLIED_FILE),
    JSON.stringify({
      file: JSON.parse(current) as unknown,
      sha256: createHash('sha256').update(current).digest('hex'),
      applied_at: new Date().toISOString(),
    }),
  );
}, 60_000);

afterAll(async () => {
  await core?.close();
  await rm(dir, { recursive: true, force: true });
  for (const account of ['device:ed25519', 'device:x25519', 'device:install-id', 'db-key:outpost'])
    await new KeytarKeyStore({ service }).delete(account).catch(() => false);
  await session?.stop();
});

describe('the last applied provisioning', () => {
  it('an existing install keeps its applied file, now in the encrypted store', async () => {
    const status = await startWith(older);
    expect(await readdir(join(dir, 'data'))).not.toContain(APPLIED_FILE);
    expect(status.provisioning.state).toBe('refused');
    expect(status.provisioning.message).toMatch(/^ROLLBACK: /);
  });

  it('attack: deleting the applied copy, then placing an older signed file, is still refused', async () => {
    await core!.close();
    core = null;
    await rm(join(dir, 'data', APPLIED_FILE), { force: true });
    const status = await startWith(older);
    expect(status.provisioning.state).toBe('refused');
    expect(status.provisioning.message).toMatch(/^ROLLBACK: /);
    expect(status.server.url).not.toBe(OLD);
  });

  it('the current file still applies', async () => {
    const status = await startWith(current);
    expect(status.provisioning).toEqual({ state: 'applied', message: null });
    expect(status.server.url).toBe(CURRENT);
  });
});
