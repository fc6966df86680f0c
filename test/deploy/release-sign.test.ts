import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportPrivateKey, generateEd25519, publicKeyPem, publicKeyRaw } from '../../protocol/crypto';
import { parseOrgKeys, parseReleaseKeys, renderPinnedKeys } from '../../src-main/core/deploy/pin-keys-cli';
import { verifyProvisioning } from '../../src-main/core/deploy/provisioning';
import {
  checkManifest,
  INITIAL_STATE,
  UpdateManifest,
  verifyFile,
} from '../../src-main/core/deploy/update-manifest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

/** Runs one of our scripts the way npm does (tsx), with exactly the environment given. */
async function script(name: string, args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', name), ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outpost-release-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const release = generateEd25519();
const artefacts: Record<string, Buffer> = {
  'Outpost-1.2.3-win-x64.exe': randomBytes(40_000),
  'Outpost-1.2.3-mac-arm64.zip': randomBytes(30_000),
  'Outpost-1.2.3-mac-x64.zip': randomBytes(30_001),
  'Outpost-1.2.3-linux-x86_64.AppImage': randomBytes(50_000),
  // not updatable through the manifest, or from another build: ignored
  'Outpost-1.2.3-linux-amd64.deb': randomBytes(10),
  'Outpost-1.2.3-mac-arm64.dmg': randomBytes(10),
  'Outpost-1.2.2-win-x64.exe': randomBytes(10),
  'latest.yml': Buffer.from('version: 1.2.3\n'),
};
const args = (extra: string[] = []) => [
  '--version',
  '1.2.3',
  '--channel',
  'stable',
  '--dir',
  dir,
  '--base-url',
  'https://updates.example.com/outpost/',
  ...extra,
];

describe('release:sign', () => {
  it('refuses to run without OUTPOST_RELEASE_KEY, and writes nothing', async () => {
    for (const [name, data] of Object.entries(artefacts)) await writeFile(join(dir, name), data);
    const result = await script('release-sign.ts', args(['--key-id', 'r1']), {});
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/OUTPOST_RELEASE_KEY is not set/);
    await expect(readFile(join(dir, 'stable.json'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('signs the built artefacts; the core verifies the manifest and every file (PEM and base64 DER keys)', async () => {
    for (const [name, data] of Object.entries(artefacts)) await writeFile(join(dir, name), data);
    const pem = release.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const base64 = exportPrivateKey(release.privateKey).toString('base64');
    for (const key of [pem, base64]) {
      const result = await script('release-sign.ts', args(['--rollout', '25']), {
        OUTPOST_RELEASE_KEY: key,
        OUTPOST_RELEASE_KEY_ID: 'release-2026',
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);

      const text = await readFile(join(dir, 'stable.json'), 'utf8');
      const manifest = UpdateManifest.parse(JSON.parse(text));
      expect(Object.keys(manifest.files).sort()).toEqual([
        'darwin-arm64',
        'darwin-x64',
        'linux-x64',
        'win32-x64',
      ]);
      expect(manifest.files['win32-x64']?.url).toBe(
        'https://updates.example.com/outpost/Outpost-1.2.3-win-x64.exe',
      );
      expect(manifest.rollout).toEqual({ percentage: 25, paused: false });

      const names: Record<string, string> = {
        'win32-x64': 'Outpost-1.2.3-win-x64.exe',
        'darwin-arm64': 'Outpost-1.2.3-mac-arm64.zip',
        'darwin-x64': 'Outpost-1.2.3-mac-x64.zip',
        'linux-x64': 'Outpost-1.2.3-linux-x86_64.AppImage',
      };
      for (const [platformArch, name] of Object.entries(names)) {
        const decision = checkManifest(text, {
          keys: [{ id: 'release-2026', publicKey: publicKeyRaw(release.publicKey).toString('base64url') }],
          installedVersion: '1.2.0',
          channel: 'stable',
          platformArch,
          deviceId: 'any',
          state: INITIAL_STATE,
          // released_at is "now" at signing; the manifest must verify as a device sees it then
          now: new Date(Date.parse(manifest.released_at) + 1000),
        });
        expect(decision.manifest.version).toBe('1.2.3');
        await verifyFile(join(dir, name), manifest.files[platformArch]!);
      }
    }
  });

  it('pauses a release when asked', async () => {
    await writeFile(join(dir, 'Outpost-1.2.3-linux-x86_64.AppImage'), randomBytes(100));
    const pem = release.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const result = await script(
      'release-sign.ts',
      args(['--paused', '--key-id', 'r1', '--out', join(dir, 'm.json')]),
      {
        OUTPOST_RELEASE_KEY: pem,
      },
    );
    expect(result.code).toBe(0);
    const manifest = UpdateManifest.parse(JSON.parse(await readFile(join(dir, 'm.json'), 'utf8')));
    expect(manifest.rollout.paused).toBe(true);
    expect(manifest.key_id).toBe('r1');
  });

  it('refuses when there is nothing to sign', async () => {
    const pem = release.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const result = await script('release-sign.ts', args(['--key-id', 'r1']), { OUTPOST_RELEASE_KEY: pem });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no updatable artefact/);
  });
});

describe('provisioning:sign', () => {
  it('signs a body that the core then accepts, and refuses without a key', async () => {
    const org = generateEd25519();
    const bodyPath = join(dir, 'body.json');
    const out = join(dir, 'provisioning.json');
    const now = Date.now();
    await writeFile(
      bodyPath,
      JSON.stringify({
        v: 1,
        org: 'Sekolah Nusantara',
        issued_at: new Date(now - 60_000).toISOString(),
        expires_at: new Date(now + 30 * 86_400_000).toISOString(),
        server_url: 'https://outpost.example.id',
        tenant: { type: 'school', id: 'sch-7' },
        features: ['library'],
      }),
    );
    expect((await script('provisioning-sign.ts', ['--in', bodyPath, '--out', out], {})).code).toBe(2);
    const pem = org.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const result = await script('provisioning-sign.ts', ['--in', bodyPath, '--out', out], {
      OUTPOST_ORG_KEY: pem,
    });
    expect(result.stderr).toBe('');
    const file = verifyProvisioning(await readFile(out, 'utf8'), { orgKeys: [publicKeyPem(org.publicKey)] });
    expect(file.features).toEqual(['library']);
  });
});

describe('pinning keys at build time', () => {
  it('parses the environment and renders a module; refuses anything but Ed25519 keys', () => {
    const a = generateEd25519();
    const b = generateEd25519();
    const rawA = publicKeyRaw(a.publicKey).toString('base64url');
    const rawB = publicKeyRaw(b.publicKey).toString('base64url');
    expect(parseOrgKeys(`${rawA}, ${rawB}`)).toEqual([rawA, rawB]);
    expect(parseOrgKeys(publicKeyPem(a.publicKey))).toEqual([publicKeyPem(a.publicKey).trim()]);
    expect(parseReleaseKeys(`r1=${rawA},r2=${rawB}`)).toEqual([
      { id: 'r1', publicKey: rawA },
      { id: 'r2', publicKey: rawB },
    ]);
    expect(() => parseOrgKeys('not-a-key')).toThrow();
    expect(() => parseReleaseKeys(`r1=${rawA},r1=${rawB}`)).toThrow(/unique/);
    const module = renderPinnedKeys([rawA], [{ id: 'r1', publicKey: rawB }]);
    expect(module).toContain(`"${rawA}"`);
    expect(module).toContain('export const PINNED_RELEASE_KEYS');
  });
});
