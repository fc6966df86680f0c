import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import type { LibraryItem, LibraryView } from '../../protocol/api/library';
import { generateEd25519, publicKeyPem, signCanonical } from '../../protocol/crypto';
import type { MaterialRecord } from '../../protocol/http';
import { signServerStatement, type ServerStatement } from '../../protocol/licence';
import { PASSWORD, startTestServer, type TestServer } from '../../server/testing/harness';
import { seedMaterial } from '../../server/testing/materials';
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore, type Core } from '../../src-main/core/index';
import { startTamperingProxy, type TamperingProxy } from './tampering-proxy';
import { codeOf } from '../support/till';

/**
 * Issue #16, F1: the student's own proxy is there from the FIRST contact. It hands out the
 * attacker's key as the server's, re-signs every licence (2099, print and copy) and every statement
 * with it, and hides a revocation. A packaged laptop (trust on first use off) must take the server
 * key from its build only: with it, the forgeries are refused; without it, it refuses licences.
 */
let session: SecretServiceSession;
let server: TestServer;
let proxy: TamperingProxy;
let teacherToken: string;
let genuineKeyPem: string;
const studentEmail = `student-${randomUUID()}@school.test`;
const attacker = generateEd25519();
let material: MaterialRecord;
const dirs: string[] = [];
const services: string[] = [];
const cores: Core[] = [];

/** A packaged laptop's core: no trust on first use; the build pins `pinned` (or nothing). */
async function packagedLaptop(pinned: string | null): Promise<Core> {
  // One app database per process (RxDB names it): the previous laptop closes first.
  await cores.pop()?.close();
  const dataDir = await mkdtemp(join(tmpdir(), 'outpost-first-contact-'));
  const service = `outpost-test-${randomUUID()}`;
  dirs.push(dataDir);
  services.push(service);
  const core = await createCore({
    dataDir,
    appVersion: '0.0.0-test',
    platform: 'linux',
    defaultServerUrl: proxy.url,
    keyStore: new KeytarKeyStore({ service }),
    reachabilityIntervalMs: 60_000,
    trustServerKeyOnFirstUse: false,
    serverSigningKeyPem: pinned,
  });
  cores.push(core);
  const registered = await callCommand(core.handlers, 'enrollment.registerLaptop', {
    email: studentEmail,
    password: PASSWORD,
    name: 'Laptop',
  });
  expect(registered).toBeTruthy();
  return core;
}

function whenSettled(core: Core, id: string): Promise<LibraryItem> {
  return firstValueFrom(
    core.handlers.subscriptions['library.items']({}).pipe(
      filter((view) =>
        view.items.some(
          (i) => i.materialId === id && (i.download.state === 'ready' || i.download.state === 'failed'),
        ),
      ),
      timeout(60_000),
    ),
  ).then((view) => view.items.find((i) => i.materialId === id)!);
}

/** The tofu.mts proxy: the attacker's key published, every licence and statement re-signed. */
function installForger(hideRevocation: { on: boolean }): void {
  const forge = (request: unknown, answer: ServerStatement, licences: ServerStatement['licences']) =>
    signServerStatement(
      { privateKey: attacker.privateKey, kid: answer.server_key_id },
      {
        device_id: answer.device_id,
        request_nonce: (request as { request_nonce?: string } | null)?.request_nonce ?? null,
        server_time: answer.server_time,
        licences,
      },
    );
  proxy.tamper = ({ path, request, answer }) => {
    if (path === '/api/v1/offline/server-keys')
      return { body: { ...(answer as object), signing_public_key_pem: publicKeyPem(attacker.publicKey) } };
    const a = answer as { licence?: Record<string, unknown>; statement?: ServerStatement } | null;
    if (a?.licence && a.statement) {
      const { signature: _signature, ...unsigned } = a.licence;
      const better = {
        ...unsigned,
        expires_at: '2099-12-31T00:00:00.000Z',
        offline_grace_hours: 24 * 90,
        rights: { print: true, copy: true },
      };
      const licence = { ...better, signature: signCanonical(attacker.privateKey, better) };
      const entry = {
        license_id: String(a.licence.licence_id),
        status: 'ready',
        expires_at: better.expires_at,
      };
      return {
        body: {
          ...a,
          licence,
          statement: forge(request, a.statement, [entry] as ServerStatement['licences']),
        },
      };
    }
    if (a?.statement) {
      const licences = hideRevocation.on
        ? a.statement.licences.map((l) => ({
            ...l,
            status: 'active',
            expires_at: '2099-12-31T00:00:00.000Z',
          }))
        : a.statement.licences;
      return {
        body: {
          ...a,
          licences,
          statement: forge(request, a.statement, licences as ServerStatement['licences']),
        },
      };
    }
    return null;
  };
}

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  proxy = await startTamperingProxy(server.url);
  teacherToken = (await server.user(`teacher-${randomUUID()}@school.test`, ['teacher'])).token;
  await server.user(studentEmail, ['student']);
  material = await seedMaterial(server, teacherToken, Buffer.from('%PDF-1.7\nThe syllabus.\n'), {
    title: 'syllabus',
    grantTo: [studentEmail],
  });
  // What IT pins at build time: the key read from the server itself, not through the student's network.
  const keys = await server.call('GET', '/api/v1/offline/server-keys');
  genuineKeyPem = (keys.body as { signing_public_key_pem: string }).signing_public_key_pem;
}, 120_000);

afterAll(async () => {
  for (const core of cores) await core.close();
  await proxy?.close();
  await server?.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  for (const service of services)
    for (const account of [
      'device:ed25519',
      'device:x25519',
      'device:install-id',
      'db-key:outpost',
      'user:refresh-token',
    ])
      await new KeytarKeyStore({ service }).delete(account).catch(() => false);
  await session?.stop();
});

describe('a proxy present from the first contact cannot choose the server key', () => {
  it('F1: with the build-pinned key, a re-signed licence is refused and a hidden revocation is seen', async () => {
    const hide = { on: false };
    installForger(hide);
    try {
      const core = await packagedLaptop(genuineKeyPem);
      const call = (method: string, input: unknown = {}) => callCommand(core.handlers, method, input);
      expect(await codeOf(call('library.refresh'))).toBe('SERVER_STATEMENT_INVALID');
      await call('library.download', { materialId: material.material_id }).catch(() => undefined);
      const item = await whenSettled(core, material.material_id);
      expect(item.download.state).toBe('failed');
      expect(await codeOf(call('library.open', { materialId: material.material_id }))).not.toMatch(
        /^no refusal/,
      );

      // The honest network: the genuine licence is taken; then the teacher revokes and the proxy hides it.
      proxy.tamper = null;
      await call('library.refresh');
      await call('library.download', { materialId: material.material_id });
      const ready = await whenSettled(core, material.material_id);
      expect(ready.download.state).toBe('ready');
      const licenceId = ready.licence.licenceId!;
      const revoked = await server.call('POST', `/api/v1/offline/licenses/${licenceId}/revoke`, {
        token: teacherToken,
        body: { reason: 'end of term' },
      });
      expect(revoked.status).toBe(200);
      hide.on = true;
      installForger(hide);
      expect(await codeOf(call('library.refresh'))).toBe('SERVER_STATEMENT_INVALID');
      proxy.tamper = null;
      const after = ((await call('library.refresh')) as LibraryView).items.find(
        (i) => i.materialId === material.material_id,
      )!;
      expect(after.licence).toMatchObject({ state: 'revoked', code: 'LICENSE_REVOKED' });
      expect(await codeOf(call('library.open', { materialId: material.material_id }))).toBe(
        'LICENSE_REVOKED',
      );
    } finally {
      proxy.tamper = null;
    }
  });

  it('F1: with no pinned key, a packaged laptop refuses licences (SERVER_KEY_NOT_PROVISIONED), never the proxy key', async () => {
    installForger({ on: false });
    try {
      const core = await packagedLaptop(null);
      const call = (method: string, input: unknown = {}) => callCommand(core.handlers, method, input);
      expect(await codeOf(call('library.refresh'))).toBe('SERVER_KEY_NOT_PROVISIONED');
      // Nothing was learnt from the proxy: the next refresh refuses the same way, and nothing opens.
      expect(await codeOf(call('library.refresh'))).toBe('SERVER_KEY_NOT_PROVISIONED');
      const download = await codeOf(call('library.download', { materialId: material.material_id }));
      expect(download).not.toMatch(/^no refusal/);
      expect(await codeOf(call('library.open', { materialId: material.material_id }))).not.toMatch(
        /^no refusal/,
      );
    } finally {
      proxy.tamper = null;
    }
  });
});
