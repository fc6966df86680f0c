import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import type { LibraryItem, LibraryView } from '../../protocol/api/library';
import { generateEd25519, publicKeyPem, signCanonical } from '../../protocol/crypto';
import type { MaterialRecord } from '../../protocol/http';
import { signServerStatement, type Licence, type ServerStatement } from '../../protocol/licence';
import { PASSWORD, startTestServer, type TestServer } from '../../server/testing/harness';
import { seedMaterial } from '../../server/testing/materials';
import { callCommand } from '../../src-main/core/api/dispatch';
import { NOT_ENROLLED } from '../../src-main/core/device/enrollment-store';
import { createCore, type Core } from '../../src-main/core/index';
import { startTamperingProxy, type TamperingProxy } from './tampering-proxy';
import { codeOf } from '../support/till';

/**
 * Attacks of issue #16, item 5, against the real core (encrypted store, key in the real Secret
 * Service) and the real server on PostgreSQL, through a proxy that rewrites the server's answers:
 * a licence re-signed with the user's own key, server time wound back, a revocation hidden.
 */
const DAY = 86_400_000;
let session: SecretServiceSession;
let server: TestServer;
let proxy: TamperingProxy;
let teacherToken: string;
const studentEmail = `student-${randomUUID()}@school.test`;
const materials: Record<'leaflet' | 'notes' | 'poster', MaterialRecord> = {} as never;
const attacker = generateEd25519();

const dataDir = await mkdtemp(join(tmpdir(), 'outpost-trust-'));
const service = `outpost-test-${randomUUID()}`;
const clockOffset = { ms: 0 };
let core: Core | null = null;

async function start(): Promise<void> {
  await core?.close();
  core = await createCore({
    dataDir,
    appVersion: '0.0.0-test',
    platform: 'linux',
    // The network the user controls: every request goes through the proxy.
    defaultServerUrl: proxy.url,
    keyStore: new KeytarKeyStore({ service }),
    reachabilityIntervalMs: 60_000,
    clock: () => Date.now() + clockOffset.ms,
  });
}

const call = (method: string, input: unknown = {}) => callCommand(core!.handlers, method, input);

const itemOf = (view: LibraryView, id: string) => view.items.find((i) => i.materialId === id);

function whenItem(id: string, test: (item: LibraryItem) => boolean): Promise<LibraryItem> {
  return firstValueFrom(
    core!.handlers.subscriptions['library.items']({}).pipe(
      filter((view) => {
        const item = itemOf(view, id);
        return item !== undefined && test(item);
      }),
      timeout(60_000),
    ),
  ).then((view) => itemOf(view, id)!);
}

async function download(id: string): Promise<LibraryItem> {
  await call('library.download', { materialId: id });
  return whenItem(id, (i) => i.download.state === 'ready' || i.download.state === 'failed');
}

const view = () => firstValueFrom(core!.handlers.subscriptions['library.items']({})) as Promise<LibraryView>;

/** The attacker's statement: whatever time and states they like, for the nonce they saw go by. */
function forged(
  request: unknown,
  answer: ServerStatement,
  changes: Partial<ServerStatement>,
): ServerStatement {
  const { request_nonce = null } = request as { request_nonce?: string };
  return signServerStatement(
    { privateKey: attacker.privateKey, kid: answer.server_key_id },
    {
      device_id: answer.device_id,
      request_nonce,
      server_time: changes.server_time ?? answer.server_time,
      licences: changes.licences ?? answer.licences,
    },
  );
}

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  proxy = await startTamperingProxy(server.url);
  teacherToken = (await server.user(`teacher-${randomUUID()}@school.test`, ['teacher'])).token;
  await server.user(studentEmail, ['student']);
  for (const name of ['leaflet', 'notes', 'poster'] as const)
    materials[name] = await seedMaterial(server, teacherToken, Buffer.from(`%PDF-1.7\nThe ${name}.\n`), {
      title: name,
      grantTo: [studentEmail],
    });
  await start();
  await call('enrollment.registerLaptop', { email: studentEmail, password: PASSWORD, name: 'Laptop' });
  // First contact, through an honest network: the server's key is pinned in the encrypted store.
  await call('library.refresh');
}, 120_000);

afterAll(async () => {
  await core?.close();
  await proxy?.close();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
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

describe('licences cannot be forged or outlived', () => {
  it('attack (a): an attacker key in the plain enrollment file and a licence re-signed with it are refused', async () => {
    // The user puts their own key where older versions read the server's key from…
    await core!.close();
    core = null;
    await writeFile(
      join(dataDir, 'enrollment.json'),
      JSON.stringify({
        ...NOT_ENROLLED,
        enrollment: { ...NOT_ENROLLED.enrollment, state: 'enrolled', mode: 'laptop', serverUrl: proxy.url },
        server: { signingPublicKeyPem: publicKeyPem(attacker.publicKey), hpkePublicKey: 'x'.repeat(43) },
      }),
    );
    await start();
    // …and re-signs the genuine licence through the proxy: 2099, 90 days offline, print and copy.
    proxy.tamper = ({ path, request, answer }) => {
      if (!path.endsWith('/license')) return null;
      const genuine = answer as { licence: Licence; statement: ServerStatement };
      const { signature: _, ...unsigned } = genuine.licence;
      const better = {
        ...unsigned,
        expires_at: '2099-12-31T00:00:00.000Z',
        offline_grace_hours: 24 * 90,
        rights: { print: true, copy: true },
      };
      const licence = { ...better, signature: signCanonical(attacker.privateKey, better) };
      const statement = forged(request, genuine.statement, {
        licences: [{ license_id: licence.licence_id, status: 'ready', expires_at: licence.expires_at }],
      });
      return { body: { ...genuine, licence, statement } };
    };
    try {
      const item = await download(materials.leaflet.material_id);
      expect(item.download).toMatchObject({ state: 'failed', errorCode: 'LICENSE_INVALID' });
      expect(item.licence.state).toBe('none');
      expect(await codeOf(call('library.open', { materialId: materials.leaflet.material_id }))).toBe(
        'LICENSE_NOT_FOUND',
      );
    } finally {
      proxy.tamper = null;
    }
  });

  it('attack (c): a proxy hiding a revocation is not believed, and the signed revocation applies', async () => {
    const id = materials.poster.material_id;
    expect((await download(id)).download.state).toBe('ready');
    const licenceId = itemOf((await call('library.refresh')) as LibraryView, id)!.licence.licenceId!;
    const beforeRevocation = proxy.answers.filter((a) => a.path === '/api/v1/offline/sync').at(-1)!.body as {
      statement: ServerStatement;
    };
    const revoked = await server.call('POST', `/api/v1/offline/licenses/${licenceId}/revoke`, {
      token: teacherToken,
      body: { reason: 'end of term' },
    });
    expect(revoked.status).toBe(200);
    const lastSync = (await view()).lastSyncAt;
    const stillActive = (answer: unknown) => {
      const a = answer as { licences: { license_id: string; status: string }[] };
      return a.licences.map((l) => (l.license_id === licenceId ? { ...l, status: 'active' } : l));
    };

    // 1. "Active", signed with another key.
    proxy.tamper = ({ path, request, answer }) => {
      if (path !== '/api/v1/offline/sync') return null;
      const licences = stillActive(answer) as ServerStatement['licences'];
      const statement = forged(request, (answer as { statement: ServerStatement }).statement, { licences });
      return { body: { ...(answer as object), licences, statement } };
    };
    expect(await codeOf(call('library.refresh'))).toBe('SERVER_STATEMENT_INVALID');
    // 2. "Active", with the genuine statement of an earlier sync (another request's nonce).
    proxy.tamper = ({ path, answer }) =>
      path === '/api/v1/offline/sync'
        ? {
            body: {
              ...(answer as object),
              licences: stillActive(answer),
              statement: beforeRevocation.statement,
            },
          }
        : null;
    expect(await codeOf(call('library.refresh'))).toBe('SERVER_STATEMENT_INVALID');
    // Neither counted as a check-in: the offline grace still runs from the last genuine one.
    expect((await view()).lastSyncAt).toBe(lastSync);

    // 3. The revoked entry dropped from the unsigned list: the signed one still says revoked.
    proxy.tamper = ({ path, answer }) => {
      if (path !== '/api/v1/offline/sync') return null;
      const a = answer as { licences: { license_id: string }[] };
      return { body: { ...a, licences: a.licences.filter((l) => l.license_id !== licenceId) } };
    };
    try {
      const after = itemOf((await call('library.refresh')) as LibraryView, id)!;
      expect(after.licence).toMatchObject({ state: 'revoked', code: 'LICENSE_REVOKED' });
      expect(await codeOf(call('library.open', { materialId: id }))).toBe('LICENSE_REVOKED');
    } finally {
      proxy.tamper = null;
    }
  });

  it('attack (b): an old server time, unsigned, signed by another key or replayed, does not wind the clock back', async () => {
    const id = materials.notes.material_id;
    expect((await download(id)).download.state).toBe('ready');
    await call('library.refresh');
    const genuineEarlier = proxy.answers.filter((a) => a.path === '/api/v1/offline/sync').at(-1)!.body as {
      statement: ServerStatement;
    };
    // 31 days on: the 30-day licence has expired.
    clockOffset.ms = 31 * DAY;
    expect(await codeOf(call('library.open', { materialId: id }))).toBe('LICENSE_EXPIRED');

    const realNow = () => new Date().toISOString();
    const attacks: Record<string, (x: { request: unknown; answer: unknown }) => unknown> = {
      'signed by another key': ({ request, answer }) => ({
        ...(answer as object),
        server_time: realNow(),
        statement: forged(request, (answer as { statement: ServerStatement }).statement, {
          server_time: realNow(),
        }),
      }),
      'genuine, replayed from another request': ({ answer }) => ({
        ...(answer as object),
        server_time: genuineEarlier.statement.server_time,
        statement: genuineEarlier.statement,
      }),
      unsigned: ({ answer }) => {
        const { statement: _, ...rest } = answer as { statement: unknown };
        return { ...rest, server_time: realNow() };
      },
    };
    try {
      for (const [name, rewrite] of Object.entries(attacks)) {
        proxy.tamper = ({ path, request, answer }) => {
          // Renewals are blocked: only the clock is under attack here.
          if (path.endsWith('/renew'))
            return { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'no' } } };
          return path === '/api/v1/offline/sync' ? { body: rewrite({ request, answer }) } : null;
        };
        expect(`${name}: ${await codeOf(call('library.refresh'))}`).toBe(`${name}: SERVER_STATEMENT_INVALID`);
        expect(`${name}: ${await codeOf(call('library.open', { materialId: id }))}`).toBe(
          `${name}: LICENSE_EXPIRED`,
        );
      }
      // A genuine, freshly signed time earlier than the clock is not applied either, across a restart too.
      proxy.tamper = ({ path }) =>
        path.endsWith('/renew')
          ? { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'no' } } }
          : null;
      await call('library.refresh').catch(() => undefined);
      clockOffset.ms = 0;
      await start();
      expect(await codeOf(call('library.open', { materialId: id }))).toBe('LICENSE_EXPIRED');
    } finally {
      proxy.tamper = null;
    }
  });
});
