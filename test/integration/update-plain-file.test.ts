import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import { generateEd25519, publicKeyPem } from '../../protocol/crypto';
import { createCore, type Core } from '../../src-main/core';
import {
  signManifest,
  UpdateService,
  type UpdateManifestBody,
} from '../../src-main/core/deploy/update-manifest';

/**
 * Attack (issue #16, item 4): reset the updater's anti-rollback memory by deleting or editing the
 * plain state file older versions kept, then serve an older, genuinely signed release. Real core,
 * real encrypted store, its key in the real Secret Service; the manifest over real HTTP on loopback.
 */
const DAY = 86_400_000;
const NOW = new Date('2026-03-01T12:00:00Z');
const iso = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();
const release = generateEd25519();
const KEYS = [{ id: 'release-2026', publicKey: publicKeyPem(release.publicKey) }];
const payload = randomBytes(1024);

let session: SecretServiceSession;
let dataDir: string;
let server: Server;
let baseUrl = '';
let manifest = '';
const service = `outpost-test-${randomUUID()}`;
let core: Core | null = null;

function signed(version: string, releasedAt: string): string {
  const body: UpdateManifestBody = {
    v: 1,
    key_id: 'release-2026',
    version,
    channel: 'stable',
    released_at: releasedAt,
    expires_at: iso(30 * DAY),
    rollout: { percentage: 100, paused: false },
    files: {
      'linux-x64': {
        url: `${baseUrl}/Outpost-${version}.AppImage`,
        sha512: createHash('sha512').update(payload).digest('base64'),
        size: payload.length,
      },
    },
  };
  return JSON.stringify(signManifest(body, release.privateKey));
}

async function start(): Promise<Core> {
  await core?.close();
  core = await createCore({
    dataDir,
    appVersion: '1.2.0',
    platform: 'linux',
    defaultServerUrl: 'http://127.0.0.1:9',
    keyStore: new KeytarKeyStore({ service }),
    reachabilityIntervalMs: 60_000,
  });
  return core;
}

/** One update check as the shell runs it (src-main/shell/start-updates.ts), installed 1.2.0. */
function check(c: Core) {
  return new UpdateService({
    manifestUrl: `${baseUrl}/stable.json`,
    dataDir,
    state: c.updateState,
    installedVersion: '1.2.0',
    channel: 'stable',
    platformArch: 'linux-x64',
    deviceId: 'dev-1',
    keys: KEYS,
    now: () => NOW,
  }).check();
}

beforeAll(async () => {
  session = await ensureSecretService();
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-update-state-'));
  server = createServer((req, res) => {
    if (req.url === '/stable.json') res.end(manifest);
    else if (req.url?.endsWith('.AppImage')) res.end(payload);
    else res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // An install from before the move: it had seen 1.3.0 (released a day ago) in its plain file.
  await writeFile(
    join(dataDir, 'update-state.json'),
    JSON.stringify({ highest_version: '1.3.0', last_released_at: iso(-DAY), last_signature: 'sig' }),
  );
}, 60_000);

afterAll(async () => {
  await core?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dataDir, { recursive: true, force: true });
  for (const account of ['device:ed25519', 'device:x25519', 'device:install-id', 'db-key:outpost'])
    await new KeytarKeyStore({ service }).delete(account).catch(() => false);
  await session?.stop();
});

describe('the updater’s anti-rollback state', () => {
  it('an existing install keeps what it had seen, now in the encrypted store', async () => {
    const c = await start();
    expect(await readdir(dataDir)).not.toContain('update-state.json');
    expect(await c.updateState.load()).toMatchObject({ highest_version: '1.3.0' });
  });

  it('attack: deleting the state file, then serving an older signed release, is still refused', async () => {
    await rm(join(dataDir, 'update-state.json'), { force: true });
    const c = await start();
    // The genuine 1.2.5 manifest, signed before 1.3.0: a replay of the past.
    manifest = signed('1.2.5', iso(-2 * DAY));
    const stale = await check(c);
    expect(stale.status === 'refused' && stale.error.code).toBe('FREEZE');
    // A 1.2.5 signed after 1.3.0 (a patch on the old line): still below the highest seen.
    manifest = signed('1.2.5', iso(-DAY / 2));
    const older = await check(c);
    expect(older.status === 'refused' && older.error.code).toBe('ROLLBACK');
  });

  it('attack: writing a blank state file changes nothing', async () => {
    await core!.close();
    core = null;
    await writeFile(
      join(dataDir, 'update-state.json'),
      JSON.stringify({ highest_version: null, last_released_at: null, last_signature: null }),
    );
    const c = await start();
    manifest = signed('1.2.5', iso(-DAY / 4));
    const older = await check(c);
    expect(older.status === 'refused' && older.error.code).toBe('ROLLBACK');
    expect(await c.updateState.load()).toMatchObject({ highest_version: '1.3.0' });
  });
});
