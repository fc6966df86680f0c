import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateEd25519, publicKeyPem, signCanonical } from '../../protocol/crypto';
import {
  checkManifest,
  downloadVerified,
  INITIAL_STATE,
  inRollout,
  rolloutBucket,
  signManifest,
  UpdateError,
  UpdateService,
  verifyFile,
  type ManifestContext,
  type UpdateManifestBody,
  type UpdateState,
} from '../../src-main/core/deploy/update-manifest';
import { compareSemver } from '../../src-main/core/deploy/semver';
import { UpdateStateStore } from '../../src-main/core/deploy/update-state-store';
import { openAppDatabase } from '../../src-main/core/store/database';
import { InMemoryKeyStoreForTests } from '../../native/keystore/memory';

const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const iso = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

const k1 = generateEd25519();
const k2 = generateEd25519();
const rogue = generateEd25519();
const KEYS = [
  { id: 'release-2026', publicKey: publicKeyPem(k1.publicKey) },
  { id: 'release-2027', publicKey: publicKeyPem(k2.publicKey) },
];

const payload = randomBytes(300_000);
const sha512 = (data: Buffer) => createHash('sha512').update(data).digest('base64');

let baseUrl = 'http://127.0.0.1:1';
function body(overrides: Partial<UpdateManifestBody> = {}): UpdateManifestBody {
  return {
    v: 1,
    key_id: 'release-2026',
    version: '1.3.0',
    channel: 'stable',
    released_at: iso(-DAY),
    expires_at: iso(30 * DAY),
    rollout: { percentage: 100, paused: false },
    files: {
      'linux-x64': {
        url: `${baseUrl}/Outpost-1.3.0-linux-x86_64.AppImage`,
        sha512: sha512(payload),
        size: payload.length,
      },
      'win32-x64': {
        url: 'https://updates.example.com/Outpost-1.3.0-win-x64.exe',
        sha512: sha512(Buffer.from('w')),
        size: 1,
      },
    },
    ...overrides,
  };
}
const signed = (overrides: Partial<UpdateManifestBody> = {}, key = k1.privateKey) =>
  JSON.stringify(signManifest(body(overrides), key));

const ctx = (overrides: Partial<ManifestContext> = {}): ManifestContext => ({
  keys: KEYS,
  installedVersion: '1.2.0',
  channel: 'stable',
  platformArch: 'linux-x64',
  deviceId: 'dev-1',
  state: INITIAL_STATE,
  now: NOW,
  ...overrides,
});

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UpdateError);
    expect((error as UpdateError).message.length).toBeGreaterThan(5);
    return (error as UpdateError).code;
  }
  throw new Error('expected a refusal');
}

// A real HTTP server on loopback: routes serve the payload, a swapped file, an endless stream.
let server: Server;
const routes = new Map<string, (res: ServerResponse) => void>();
beforeAll(async () => {
  server = createServer((req, res) => {
    const route = routes.get(req.url ?? '');
    if (route) route(res);
    else res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  routes.set('/Outpost-1.3.0-linux-x86_64.AppImage', (res) => res.end(payload));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outpost-update-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('manifest verification', () => {
  it('offers a genuine newer release for our platform', () => {
    const decision = checkManifest(signed(), ctx());
    expect(decision.offer).toBe(true);
    if (!decision.offer) return;
    expect(decision.file.size).toBe(payload.length);
    expect(decision.mandatory).toBe(false);
    expect(decision.state).toEqual({
      highest_version: '1.3.0',
      last_released_at: iso(-DAY),
      last_signature: decision.manifest.signature,
    });
  });

  it('refuses a forged signature and a tampered field', () => {
    expect(refusal(() => checkManifest(signed({}, rogue.privateKey), ctx()))).toBe('BAD_SIGNATURE');
    const tampered = JSON.parse(signed()) as { rollout: { percentage: number } };
    tampered.rollout.percentage = 99;
    expect(refusal(() => checkManifest(JSON.stringify(tampered), ctx()))).toBe('BAD_SIGNATURE');
  });

  it('refuses an unknown key id, and a pinned id with another key behind it', () => {
    expect(refusal(() => checkManifest(signed({ key_id: 'release-1999' }), ctx()))).toBe('UNKNOWN_KEY');
    expect(refusal(() => checkManifest(signed({ key_id: 'release-2027' }, k1.privateKey), ctx()))).toBe(
      'BAD_SIGNATURE',
    );
    expect(refusal(() => checkManifest(signed(), ctx({ keys: [] })))).toBe('NO_PINNED_KEY');
  });

  it('accepts the rotated key, and only the keys pinned', () => {
    expect(checkManifest(signed({ key_id: 'release-2027' }, k2.privateKey), ctx()).offer).toBe(true);
    const afterRotation = [KEYS[1]!];
    expect(refusal(() => checkManifest(signed(), ctx({ keys: afterRotation })))).toBe('UNKNOWN_KEY');
  });

  it('refuses rollback: below the installed version, or below the highest seen', () => {
    expect(refusal(() => checkManifest(signed({ version: '1.1.9' }), ctx()))).toBe('ROLLBACK');
    const seen: UpdateState = {
      highest_version: '1.4.0',
      last_released_at: iso(-2 * DAY),
      last_signature: null,
    };
    expect(refusal(() => checkManifest(signed({ version: '1.3.0' }), ctx({ state: seen })))).toBe('ROLLBACK');
    expect(
      refusal(() => checkManifest(signed({ version: '1.3.0-rc.1' }), ctx({ installedVersion: '1.3.0' }))),
    ).toBe('ROLLBACK');
    // the installed version itself is simply up to date
    const same = checkManifest(signed({ version: '1.2.0' }), ctx());
    expect(same.offer === false && same.reason).toBe('up_to_date');
  });

  it('the same version re-signed later (rollout widened) is accepted; an older signing of it is a freeze', () => {
    const first = checkManifest(signed({ rollout: { percentage: 0, paused: false } }), ctx());
    expect(first.offer === false && first.reason).toBe('not_in_rollout');
    const wider = checkManifest(signed({ released_at: iso(-DAY / 2) }), ctx({ state: first.state }));
    expect(wider.offer).toBe(true);
    // replaying the first signing after the second was seen
    expect(
      refusal(() =>
        checkManifest(signed({ rollout: { percentage: 0, paused: false } }), ctx({ state: wider.state })),
      ),
    ).toBe('FREEZE');
  });

  it('refuses freeze: expired, released before the last seen, a different manifest with the same date, from the future', () => {
    expect(
      refusal(() => checkManifest(signed({ released_at: iso(-10 * DAY), expires_at: iso(-1) }), ctx())),
    ).toBe('EXPIRED');
    const seen: UpdateState = {
      highest_version: '1.3.0',
      last_released_at: iso(-DAY / 2),
      last_signature: 'x',
    };
    expect(refusal(() => checkManifest(signed(), ctx({ state: seen })))).toBe('FREEZE');
    const sameDate: UpdateState = { ...seen, last_released_at: iso(-DAY) };
    expect(refusal(() => checkManifest(signed(), ctx({ state: sameDate })))).toBe('FREEZE');
    // the very manifest already seen is accepted again (a re-check)
    const again = JSON.parse(signed()) as { signature: string };
    expect(
      checkManifest(JSON.stringify(again), ctx({ state: { ...sameDate, last_signature: again.signature } }))
        .offer,
    ).toBe(true);
    expect(refusal(() => checkManifest(signed({ released_at: iso(DAY) }), ctx()))).toBe('NOT_YET_VALID');
  });

  it('refuses mix-and-match: another platform, another channel', () => {
    expect(refusal(() => checkManifest(signed(), ctx({ platformArch: 'darwin-arm64' })))).toBe(
      'NO_FILE_FOR_PLATFORM',
    );
    expect(refusal(() => checkManifest(signed(), ctx({ channel: 'beta' })))).toBe('WRONG_CHANNEL');
  });

  it('refuses malformed manifests and unknown versions', () => {
    expect(refusal(() => checkManifest('{', ctx()))).toBe('MALFORMED');
    expect(refusal(() => checkManifest(JSON.stringify({ ...JSON.parse(signed()), v: 2 }), ctx()))).toBe(
      'UNKNOWN_VERSION',
    );
    const { signature: _s, ...rest } = { ...JSON.parse(signed()), version: 'latest' } as Record<
      string,
      unknown
    >;
    expect(
      refusal(() =>
        checkManifest(JSON.stringify({ ...rest, signature: signCanonical(k1.privateKey, rest) }), ctx()),
      ),
    ).toBe('MALFORMED');
    const badFiles = {
      ...body(),
      files: { 'linux-x64': { url: 'http://updates.example.com/x', sha512: sha512(payload), size: 1 } },
    };
    const { signature: _t, ...b } = badFiles as Record<string, unknown>;
    expect(
      refusal(() =>
        checkManifest(JSON.stringify({ ...b, signature: signCanonical(k1.privateKey, b) }), ctx()),
      ),
    ).toBe('MALFORMED');
    expect(refusal(() => checkManifest(' '.repeat(300 * 1024), ctx()))).toBe('TOO_LARGE');
  });
});

describe('staged rollout', () => {
  it('places a device in a stable bucket, per version', () => {
    expect(rolloutBucket('dev-1', '1.3.0')).toBe(rolloutBucket('dev-1', '1.3.0'));
    const buckets = new Set(Array.from({ length: 50 }, (_, i) => rolloutBucket(`dev-${i}`, '1.3.0')));
    expect(buckets.size).toBeGreaterThan(40);
    for (const b of buckets) expect(b >= 0 && b < 10_000).toBe(true);
  });

  it('offers the device exactly when its bucket is below the percentage', () => {
    const bucket = rolloutBucket('dev-1', '1.3.0');
    const at = bucket / 100; // the percentage whose threshold equals the bucket: not yet offered
    expect(inRollout('dev-1', '1.3.0', at)).toBe(false);
    expect(inRollout('dev-1', '1.3.0', (bucket + 1) / 100)).toBe(true);
    expect(inRollout('dev-1', '1.3.0', 0)).toBe(false);
    expect(inRollout('dev-1', '1.3.0', 100)).toBe(true);

    const below = checkManifest(signed({ rollout: { percentage: at, paused: false } }), ctx());
    expect(below.offer === false && below.reason).toBe('not_in_rollout');
    expect(
      checkManifest(signed({ rollout: { percentage: (bucket + 1) / 100, paused: false } }), ctx()).offer,
    ).toBe(true);
  });

  it('a paused release is offered to nobody, even a mandatory one; min_version bypasses the percentage', () => {
    const paused = checkManifest(
      signed({ rollout: { percentage: 100, paused: true }, min_version: '1.3.0' }),
      ctx(),
    );
    expect(paused.offer === false && paused.reason).toBe('paused');
    const mandatory = checkManifest(
      signed({ rollout: { percentage: 0, paused: false }, min_version: '1.2.5' }),
      ctx(),
    );
    expect(mandatory.offer && mandatory.mandatory).toBe(true);
  });
});

describe('downloads', () => {
  const file = () => ({
    url: `${baseUrl}/Outpost-1.3.0-linux-x86_64.AppImage`,
    sha512: sha512(payload),
    size: payload.length,
  });

  it('keeps a file whose size and sha512 match', async () => {
    const path = await downloadVerified(file(), dir);
    expect((await readFile(path)).equals(payload)).toBe(true);
    await verifyFile(path, file());
  });

  async function expectDownloadRefused(
    url: string,
    expected: { sha512: string; size: number },
    code: string,
  ) {
    const error = await downloadVerified({ ...expected, url }, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpdateError);
    expect((error as UpdateError).code).toBe(code);
    expect(await readdir(dir)).toEqual([]); // nothing left behind
  }

  it('refuses a swapped file (same size, other bytes)', async () => {
    const swapped = Buffer.from(payload);
    swapped[1234] = swapped[1234]! ^ 1;
    routes.set('/swapped.AppImage', (res) => res.end(swapped));
    await expectDownloadRefused(`${baseUrl}/swapped.AppImage`, file(), 'HASH_MISMATCH');
  });

  it('refuses a short file and an announced oversize file', async () => {
    routes.set('/short.AppImage', (res) => res.end(payload.subarray(0, 1000)));
    await expectDownloadRefused(`${baseUrl}/short.AppImage`, file(), 'SIZE_MISMATCH');
    routes.set('/big.AppImage', (res) => res.end(Buffer.concat([payload, Buffer.alloc(10)])));
    await expectDownloadRefused(`${baseUrl}/big.AppImage`, file(), 'SIZE_MISMATCH');
  });

  it('stops an endless stream at the signed size', async () => {
    let sent = 0;
    routes.set('/endless.AppImage', (res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }); // chunked: no length announced
      const chunk = Buffer.alloc(64 * 1024, 7);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => undefined);
      pump();
    });
    await expectDownloadRefused(`${baseUrl}/endless.AppImage`, file(), 'SIZE_MISMATCH');
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('refuses plain http to anything but loopback', async () => {
    const error = await downloadVerified({ ...file(), url: 'http://updates.example.com/x.exe' }, dir).catch(
      (e: unknown) => e,
    );
    expect((error as UpdateError).code).toBe('INSECURE_URL');
  });

  it('verifyFile catches a file changed on disk', async () => {
    const path = join(dir, 'x.bin');
    await writeFile(path, payload);
    await verifyFile(path, file());
    await writeFile(path, Buffer.concat([payload, Buffer.from('!')]));
    await expect(verifyFile(path, file())).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
  });
});

describe('UpdateService', () => {
  it('fetches, verifies, persists the state and downloads; a replay of an older manifest is then refused', async () => {
    let manifest = signed({ rollout: { percentage: 0, paused: false } });
    routes.set('/stable.json', (res) => res.end(manifest));
    // The state lives in the real encrypted store (real SQLite); this test needs no keychain.
    const db = await openAppDatabase({
      dataDir: dir,
      keyStore: new InMemoryKeyStoreForTests(),
      name: 'updtest',
    });
    const state = await UpdateStateStore.open(dir, db.rx.collections.settings);
    const service = (version = '1.2.0') =>
      new UpdateService({
        manifestUrl: `${baseUrl}/stable.json`,
        dataDir: dir,
        state,
        installedVersion: version,
        channel: 'stable',
        platformArch: 'linux-x64',
        deviceId: 'dev-1',
        keys: KEYS,
        now: () => NOW,
      });
    const none = await service().check();
    expect(none.status === 'none' && none.reason).toBe('not_in_rollout');
    expect((await state.load()).highest_version).toBe('1.3.0');

    const older = signed({ version: '1.2.5', released_at: iso(-DAY / 2) });
    manifest = signed({ released_at: iso(-DAY / 4) });
    const ready = await service().check();
    expect(ready.status).toBe('ready');
    if (ready.status !== 'ready') return;
    expect((await readFile(ready.path)).equals(payload)).toBe(true);

    manifest = older; // a mirror serving an older, genuinely signed manifest
    const refused = await service().check();
    expect(refused.status === 'refused' && refused.error.code).toBe('FREEZE');
    await db.close();
  });
});

describe('semver precedence', () => {
  it('orders as semver.org §11 says', () => {
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.10.0',
      '2.0.0',
    ];
    for (let i = 1; i < ordered.length; i++)
      expect(compareSemver(ordered[i - 1]!, ordered[i]!)).toBeLessThan(0);
    expect(compareSemver('1.2.3', '1.2.3')).toBe(0);
    expect(() => compareSemver('1.2', '1.2.3')).toThrow(TypeError);
  });
});
