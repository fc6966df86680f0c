import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import type { Enrollment } from '../../protocol/api';
import type { LibraryView } from '../../protocol/api/library';
import { PASSWORD, startTestServer, type TestServer } from '../../server/testing/harness';
import { seedMaterial } from '../../server/testing/materials';
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore, type Core } from '../../src-main/core/index';
import { AnchorRecord, anchorAccount } from '../../src-main/core/trust/rollback-anchor';
import { codeOf, forgetKeychain } from '../support/till';

/**
 * The reader's side of a deleted data directory (issue #16 follow-up): the laptop's identity key
 * stays in the keychain, the store with its registration is gone, and the keychain anchor stops the
 * reader until a signed check-in. The student signs in and registers again (the server answers the
 * same user's same device as registered already), and the first signed sync lifts the stop: the
 * laptop is not stuck. Real core, real encrypted store, real Secret Service, real server.
 */
let session: SecretServiceSession;
let server: TestServer;
let teacher: string;
const email = `student-${randomUUID()}@school.test`;
const service = `outpost-test-${randomUUID()}`;
const keys = new KeytarKeyStore({ service });
let dataDir = '';
let core: Core | null = null;

async function start(): Promise<void> {
  core = await createCore({
    dataDir,
    appVersion: '0.0.0-test',
    platform: 'linux',
    defaultServerUrl: server.url,
    keyStore: keys,
    reachabilityIntervalMs: 3_600_000,
  });
}
const call = (method: string, input: unknown = {}) => callCommand(core!.handlers, method, input);
const register = () =>
  call('enrollment.registerLaptop', { email, password: PASSWORD, name: 'Laptop' }) as Promise<Enrollment>;
const anchored = async () =>
  AnchorRecord.parse(JSON.parse((await keys.get(anchorAccount('outpost')))!.toString('utf8')));

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  teacher = (await server.user(`t-${randomUUID()}@school.test`, ['teacher'])).token;
  await server.user(email, ['student']);
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-laptop-reregister-'));
}, 120_000);

afterAll(async () => {
  await core?.close();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
  await forgetKeychain(service);
  await session?.stop();
});

describe('a laptop whose data directory was deleted (#16)', () => {
  it('registers again under the same identity, and its first signed sync lifts the stop: a material opens', async () => {
    await start();
    expect((await register()).state).toBe('enrolled');
    await core!.close();
    await rm(dataDir, { recursive: true, force: true });
    await start();
    expect((await call('enrollment.get')) as Enrollment).toMatchObject({ state: 'not_enrolled' });
    expect((await anchored()).rollback).toMatchObject({ reader: true });

    expect((await register()).state).toBe('enrolled');
    const material = await seedMaterial(server, teacher, Buffer.from('%PDF-1.7\nback '.repeat(500)), {
      title: 'Back',
      grantTo: [email],
    });
    await call('library.refresh');
    expect((await anchored()).rollback).toMatchObject({ reader: false });
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
    expect(await codeOf(call('library.open', { materialId: material.material_id }))).toBe(
      'no refusal (null)',
    );
  });
});
