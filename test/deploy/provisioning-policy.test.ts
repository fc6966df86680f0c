import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, type Observable } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import type { PendingBanner } from '../../protocol/api';
import { generateEd25519, publicKeyPem } from '../../protocol/crypto';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore, type Core } from '../../src-main/core';
import type { PolicyDefaults } from '../../src-main/core/deploy/policy-defaults';
import { signProvisioning } from '../../src-main/core/deploy/provisioning';
import { SN_POLICY_INPUT } from '../support/sn-policy';
import { signedIn } from '../support/till';

/**
 * IT's policy defaults on a real core against the real server: a provisioned terminal whose server
 * has sent no policy yet enforces the file's limits; after a pull the server's policy wins; a
 * refused file at the next start leaves the applied file's limits in force.
 */
let session: SecretServiceSession;
let server: TestServer;
const cores: Core[] = [];
const org = generateEd25519();
const orgKeys = [publicKeyPem(org.publicKey)];
const DEFAULTS: PolicyDefaults = {
  max_offline_amount: 20_000,
  max_offline_per_device_per_day: 40,
  max_unsynced_amount: 300_000,
  approval_threshold: 20_000,
  max_bundle_age_hours: 24,
};

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
});
// RxDB allows one open database of a name per process: each test closes its cores.
afterEach(async () => {
  for (const core of cores.splice(0)) await core.close();
});
afterAll(async () => {
  await server.close();
  await session.stop();
});

async function admin() {
  return server.user(`it-${randomUUID()}@shop.test`, ['pay_admin', 'ops']);
}

async function signedFile(country: string, defaults: PolicyDefaults, issuedAgoMs = 60_000) {
  const { token } = await admin();
  const issued = await server.call('POST', '/offline/enrollment-codes', {
    token,
    body: { tenant_type: 'merchant', tenant_id: 'shop-9', country, currency_default: 'XOF' },
  });
  const now = Date.now();
  return JSON.stringify(
    signProvisioning(
      {
        v: 1,
        org: 'Boutiques de Dakar',
        issued_at: new Date(now - issuedAgoMs).toISOString(),
        expires_at: new Date(now + 86_400_000).toISOString(),
        server_url: server.url,
        tenant: { type: 'merchant', id: 'shop-9' },
        enrollment_code: (issued.body as { code: string }).code,
        policy_defaults: defaults,
        features: ['pos'],
      },
      org.privateKey,
    ),
  );
}

async function start(dir: string, keychainService: string, fileText: string) {
  const file = join(dir, 'provisioning.json');
  await writeFile(file, fileText);
  const core = await createCore({
    dataDir: join(dir, 'data'),
    appVersion: '1.0.0',
    platform: 'linux',
    defaultServerUrl: 'http://127.0.0.1:9',
    keyStore: new KeytarKeyStore({ service: keychainService }),
    reachabilityIntervalMs: 60_000,
    provisioning: { env: { OUTPOST_PROVISIONING_FILE: file }, orgKeys },
  });
  cores.push(core);
  const call = (method: string, input: unknown = {}) => callCommand(core.handlers, method, input);
  await signedIn(core);
  const sell = async (amountMinor: number) => {
    try {
      await call('pos.sale.capture', {
        lines: [{ sku: 'rice', name: 'Riz', qty: 1, unitPriceMinor: amountMinor, taxRateBp: 0 }],
        tenders: [{ type: 'cash', amountMinor }],
      });
      return 'ok';
    } catch (error) {
      return (error as { code: string }).code;
    }
  };
  const banner = (until: (b: PendingBanner) => boolean) => {
    const open = (core.handlers.subscriptions as unknown as Record<string, () => Observable<PendingBanner>>)[
      'pos.pending'
    ]!;
    return firstValueFrom(open().pipe(filter(until)));
  };
  return { core, call, sell, banner };
}

describe('provisioned policy defaults', () => {
  it('are enforced until the server policy arrives by pull, which then wins', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outpost-provisioned-policy-'));
    const t = await start(dir, `outpost-test-${randomUUID()}`, await signedFile('SN', DEFAULTS));
    const status = (await t.call('app.status')) as { provisioning: { state: string }; enrollment: string };
    expect(status.provisioning.state).toBe('applied');
    expect(status.enrollment).toBe('enrolled');

    await t.call('pos.shift.open', { floatMinor: 0 });
    // The server has no policy for SN: the file's limits are the terminal's.
    expect(await t.sell(25_000)).toBe('LIMIT_AMOUNT');
    expect(await t.sell(15_000)).toBe('ok');
    expect((await t.banner((b) => b.count === 1)).maxAgeHours).toBe(24);

    const { token } = await admin();
    const upsert = await server.call('POST', '/offline/policies', {
      token,
      body: SN_POLICY_INPUT,
    });
    expect(upsert.status).toBe(200);
    await t.call('sync.now');
    expect((await t.banner((b) => b.maxAgeHours === 72)).maxAgeHours).toBe(72);
    expect(await t.sell(25_000)).toBe('ok');
    // Above the server's online cap (max_unsynced_amount): no online authorisation lifts it.
    expect(await t.sell(500_001)).toBe('LIMIT_AMOUNT');
  });

  it('of a refused file at the next start leave the applied file’s limits in force', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outpost-provisioned-policy-'));
    const keychain = `outpost-test-${randomUUID()}`;
    // ML: a country the server has no policy for in this file.
    const first = await start(dir, keychain, await signedFile('ML', DEFAULTS, 120_000));
    expect(((await first.call('app.status')) as { enrollment: string }).enrollment).toBe('enrolled');
    await first.call('pos.shift.open', { floatMinor: 0 });
    expect(await first.sell(25_000)).toBe('LIMIT_AMOUNT');
    await first.core.close();
    cores.splice(cores.indexOf(first.core), 1);

    const raised = await signedFile('ML', { ...DEFAULTS, max_offline_amount: 90_000 });
    const again = await start(
      dir,
      keychain,
      raised.replace('"max_offline_amount":90000', '"max_offline_amount":95000'),
    );
    const status = (await again.call('app.status')) as {
      provisioning: { state: string; message: string };
      enrollment: string;
    };
    expect(status.provisioning.state).toBe('refused');
    expect(status.provisioning.message).toMatch(/signature/i);
    expect(status.enrollment).toBe('enrolled');
    expect(await again.sell(25_000)).toBe('LIMIT_AMOUNT');
    expect(await again.sell(15_000)).toBe('ok');
  });
});
