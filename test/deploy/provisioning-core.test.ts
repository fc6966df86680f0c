import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import { generateEd25519, publicKeyPem } from '../../protocol/crypto';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore, type Core } from '../../src-main/core';
import { signProvisioning } from '../../src-main/core/deploy/provisioning';

/**
 * The app at start, as IT deploys it: a signed provisioning file placed for it sets the server and
 * enrolls the terminal by itself; a tampered one is refused with a reason and changes nothing.
 */
let session: SecretServiceSession;
let server: TestServer;
const cores: Core[] = [];
const org = generateEd25519();
const orgKeys = [publicKeyPem(org.publicKey)];

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
});
afterAll(async () => {
  for (const core of cores) await core.close();
  await server.close();
  await session.stop();
});

async function provisionedCore(fileText: string) {
  const dir = await mkdtemp(join(tmpdir(), 'outpost-provisioned-'));
  const file = join(dir, 'provisioning.json');
  await writeFile(file, fileText);
  const core = await createCore({
    dataDir: join(dir, 'data'),
    appVersion: '1.0.0',
    platform: 'linux',
    defaultServerUrl: 'http://127.0.0.1:9',
    keyStore: new KeytarKeyStore({ service: `outpost-test-${randomUUID()}` }),
    reachabilityIntervalMs: 60_000,
    provisioning: { env: { OUTPOST_PROVISIONING_FILE: file }, orgKeys },
  });
  cores.push(core);
  return (method: string, input: unknown = {}) => callCommand(core.handlers, method, input);
}

async function signedFile(): Promise<string> {
  const admin = await server.user(`it-${randomUUID()}@school.test`, ['pay_admin']);
  const issued = await server.call('POST', '/offline/enrollment-codes', {
    token: admin.token,
    body: { tenant_type: 'merchant', tenant_id: 'shop-7', country: 'SN', currency_default: 'XOF' },
  });
  const now = Date.now();
  const file = signProvisioning(
    {
      v: 1,
      org: 'Boutiques de Dakar',
      issued_at: new Date(now - 60_000).toISOString(),
      expires_at: new Date(now + 86_400_000).toISOString(),
      server_url: server.url,
      tenant: { type: 'merchant', id: 'shop-7' },
      enrollment_code: (issued.body as { code: string }).code,
      features: ['pos'],
    },
    org.privateKey,
  );
  return JSON.stringify(file);
}

describe('provisioning at start', () => {
  it('a signed file sets the server and enrolls the terminal by itself', async () => {
    const call = await provisionedCore(await signedFile());
    const status = (await call('app.status')) as {
      provisioning: { state: string; message: string | null };
      enrollment: string;
      server: { url: string };
    };
    expect(status.provisioning).toEqual({ state: 'applied', message: null });
    expect((status as unknown as { features: string[] }).features).toEqual(['pos']);
    expect(status.enrollment).toBe('enrolled');
    expect(status.server.url).toBe(server.url);
    expect(await call('enrollment.get')).toMatchObject({
      mode: 'pos',
      tenant: { type: 'merchant', id: 'shop-7' },
    });
  });

  it('a tampered file is refused with its reason and changes nothing', async () => {
    const text = await signedFile();
    const tampered = text.replace('"shop-7"', '"shop-8"');
    const call = await provisionedCore(tampered);
    const status = (await call('app.status')) as {
      provisioning: { state: string; message: string | null };
      enrollment: string;
      server: { url: string };
    };
    expect(status.provisioning.state).toBe('refused');
    expect((status as unknown as { features: string[] }).features).toEqual(['pos', 'library']);
    expect(status.provisioning.message).toMatch(/signature/i);
    expect(status.enrollment).toBe('not_enrolled');
    expect(status.server.url).toBe('http://127.0.0.1:9');
  });
});
