import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import type { LibraryView } from '../../protocol/api/library';
import type { MaterialRecord } from '../../protocol/http';
import { PASSWORD, startTestServer, type TestServer } from '../../server/testing/harness';
import { seedMaterial } from '../../server/testing/materials';
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore, type Core } from '../../src-main/core/index';
import { AnchorRecord, anchorAccount } from '../../src-main/core/trust/rollback-anchor';
import { putBackAfter } from '../support/put-back';
import { codeOf, forgetKeychain } from '../support/till';
import { startForwarder, type Forwarder } from './tcp-forwarder';

/**
 * Attack (issue #16, ninth red-team pass M-3): a student copies the laptop's data directory; the
 * teacher revokes, the laptop syncs and deletes its copy; the student puts the old directory back
 * and sets the OS clock back to the copy's time. Before the keychain anchor
 * (src-main/core/trust/rollback-anchor.ts) the revoked material opened again, for ever. Real core,
 * real encrypted store, real Secret Service, real server on PostgreSQL.
 */
const HOUR = 3_600_000;
let session: SecretServiceSession;
let server: TestServer;
let forwarder: Forwarder;
let teacher: string;
const email = `student-${randomUUID()}@school.test`;
const service = `outpost-test-${randomUUID()}`;
/**
 * The real keychain, which the student can lock while the app runs (the login keyring's Lock): a
 * locked Secret Service collection refuses reads and writes ("Cannot create an item in a locked
 * collection"), and so does this one while `locked`.
 */
class LockableKeyStore extends KeytarKeyStore {
  locked = false;
  override async get(account: string): Promise<Buffer | null> {
    if (this.locked) throw new Error('the collection is locked');
    return super.get(account);
  }
  override async set(account: string, secret: Buffer): Promise<void> {
    if (this.locked) throw new Error('the collection is locked');
    return super.set(account, secret);
  }
}
const keys = new LockableKeyStore({ service });
const clockOffset = { ms: 0 };
let dataDir = '';
let core: Core | null = null;

const app = {
  async start() {
    core = await createCore({
      dataDir,
      appVersion: '0.0.0-test',
      platform: 'linux',
      defaultServerUrl: forwarder.url,
      keyStore: keys,
      reachabilityIntervalMs: 3_600_000,
      clock: () => Date.now() + clockOffset.ms,
    });
  },
  async close() {
    await core?.close();
    core = null;
  },
};
const call = (method: string, input: unknown = {}) => callCommand(core!.handlers, method, input);
const open = (material: MaterialRecord) => codeOf(call('library.open', { materialId: material.material_id }));

/** A material granted to the student, downloaded and readable, then closed. */
async function readable(title: string): Promise<MaterialRecord> {
  const material = await seedMaterial(server, teacher, Buffer.from(`%PDF-1.7\n${title} `.repeat(500)), {
    title,
    grantTo: [email],
  });
  await call('library.refresh');
  await call('library.download', { materialId: material.material_id });
  await firstValueFrom(
    core!.handlers.subscriptions['library.items']({}).pipe(
      filter(
        (v: LibraryView) =>
          v.items.find((i) => i.materialId === material.material_id)?.download.state === 'ready',
      ),
      timeout(60_000),
    ),
  );
  expect(await open(material)).toBe('no refusal (null)');
  await call('library.close', { materialId: material.material_id });
  return material;
}

/** The teacher revokes the laptop's licence of `material` on the server. */
async function revokeOnServer(licenceId: string): Promise<void> {
  const revoked = await server.call('POST', `/api/v1/offline/licenses/${licenceId}/revoke`, {
    token: teacher,
    body: { reason: 'end of term' },
  });
  expect(revoked.status).toBe(200);
}

/** The laptop's licence of `material`, as its last sync listed it. */
async function licenceOf(material: MaterialRecord): Promise<string> {
  const view = (await call('library.refresh')) as LibraryView;
  return view.items.find((i) => i.materialId === material.material_id)!.licence.licenceId!;
}

/** The teacher revokes; the laptop learns it at its next sync and drops its copy. */
async function revoke(material: MaterialRecord): Promise<void> {
  await revokeOnServer(await licenceOf(material));
  await call('library.refresh');
  expect(await open(material)).toBe('LICENSE_REVOKED');
}

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  forwarder = await startForwarder(server.url);
  teacher = (await server.user(`t-${randomUUID()}@school.test`, ['teacher'])).token;
  await server.user(email, ['student']);
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-laptop-rollback-'));
  await app.start();
  await call('enrollment.registerLaptop', { email, password: PASSWORD, name: 'Laptop' });
}, 120_000);

afterAll(async () => {
  await app.close();
  await forwarder?.close();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
  await forgetKeychain(service);
  await session?.stop();
});

describe('a laptop data directory put back from a copy (#16, pass 9 M-3)', () => {
  it('does not wind the secure clock back: the copy with the OS clock set back stays offline-expired', async () => {
    const atlas = await readable('Atlas');
    await putBackAfter(dataDir, app, async () => {
      await revoke(atlas);
      clockOffset.ms = 100 * HOUR;
      expect(await open(atlas)).toBe('LICENSE_REVOKED');
      forwarder.unplug();
      clockOffset.ms = 0; // the OS clock wound back to the copy's time
    });
    const anchored = AnchorRecord.parse(JSON.parse((await keys.get(anchorAccount('outpost')))!.toString()));
    expect(anchored.clockHighWaterMs).toBeGreaterThan(Date.now() + 99 * HOUR);
    expect(await open(atlas)).toBe('LICENSE_OFFLINE_EXPIRED');
    clockOffset.ms = 71 * HOUR;
    expect(await open(atlas)).toBe('LICENSE_OFFLINE_EXPIRED');
    clockOffset.ms = 0;
  });

  it('does not un-revoke a licence within its offline grace: nothing opens until a signed sync', async () => {
    forwarder.retarget(server.url);
    await call('library.refresh');
    const globe = await readable('Globe');
    await putBackAfter(dataDir, app, async () => {
      await revoke(globe);
      forwarder.unplug();
    });
    // Minutes after the copy, well inside its 72 hours of grace: the restored store alone says ready.
    expect(await open(globe)).toBe('LICENSE_OFFLINE_EXPIRED');
    // The next signed sync brings the true states back, and with them the revocation.
    forwarder.retarget(server.url);
    await call('library.refresh');
    expect(await open(globe)).toBe('LICENSE_REVOKED');
  });

  it('M-3 (pass 10): a keyring locked while the app runs stops the reader, and a copy taken meanwhile is a rollback', async () => {
    forwarder.retarget(server.url);
    await call('library.refresh');
    const chart = await readable('Chart');
    const licenceId = await licenceOf(chart);
    keys.locked = true;
    // The keychain refuses the anchor (the refresh saves the secure clock): nothing opens meanwhile.
    await call('library.refresh').catch(() => undefined);
    expect(await open(chart)).toBe('KEYCHAIN_UNAVAILABLE');
    // A hot copy of the data directory, taken while the store runs ahead of the keychain.
    const copy = await mkdtemp(join(tmpdir(), 'outpost-locked-copy-'));
    await cp(dataDir, copy, { recursive: true });
    // The laptop learns of the revocation; the keychain, still locked, does not.
    await revokeOnServer(licenceId);
    await call('library.refresh').catch(() => undefined);
    await app.close();
    keys.locked = false;
    await rm(dataDir, { recursive: true, force: true });
    await cp(copy, dataDir, { recursive: true });
    await rm(copy, { recursive: true, force: true });
    forwarder.unplug();
    await app.start();
    // More than the one write a crash leaves: a rollback, not a store "ahead".
    expect(await open(chart)).toBe('LICENSE_OFFLINE_EXPIRED');
  });
});
