import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Configuration } from 'app-builder-lib';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { beforeAll, describe, expect, it } from 'vitest';
import { electronBinary } from '../../scripts/electron-binary.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const CONFIG = join(ROOT, 'electron-builder.yml');
/** validateConfiguration only writes to its debug logger when that is enabled. */
const quietLogger = { isEnabled: false, add: () => undefined } as unknown as Parameters<
  typeof validateConfiguration
>[1];

let config: Configuration;
let text: string;
beforeAll(async () => {
  text = await readFile(CONFIG, 'utf8');
  // Read the way electron-builder reads it (YAML, `extends`, package.json metadata).
  config = await getConfig(ROOT, CONFIG, null);
});

/** Every [path, value] of a nested object. */
function* walk(value: unknown, path = ''): Generator<[string, unknown]> {
  yield [path, value];
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) yield* walk(item, path ? `${path}.${key}` : key);
  }
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's own configuration validator (its JSON schema)", async () => {
    await expect(validateConfiguration(config, quietLogger)).resolves.toBeUndefined();
  });

  it('the validator is real: it rejects an unknown option and a mistyped one', async () => {
    await expect(
      validateConfiguration(
        { ...config, nsis: { ...config.nsis, perMachin: true } } as Configuration,
        quietLogger,
      ),
    ).rejects.toThrow(/configuration\.nsis/);
    await expect(
      validateConfiguration(
        { ...config, mac: { ...config.mac, hardenedRuntime: 'yes' } } as unknown as Configuration,
        quietLogger,
      ),
    ).rejects.toThrow(/configuration\.mac/);
  });

  it('holds no secret and no signing identity: those come from the environment only', () => {
    const forbiddenKeys =
      /password|secret|token|cscLink|cscKey|certificateFile|certificateSha1|certificateSubjectName|appleId|apiKey|identity/i;
    for (const [path, value] of walk(config)) {
      expect(path, `${path} must not be configured in the file`).not.toMatch(forbiddenKeys);
      if (typeof value === 'string') {
        expect(value, path).not.toMatch(/-----BEGIN|\.(p12|pfx|pem|key|p8)$/i);
      }
    }
    expect(text).not.toMatch(
      /^\s*(CSC_LINK|CSC_KEY_PASSWORD|APPLE_ID|APPLE_APP_SPECIFIC_PASSWORD|AZURE_CLIENT_SECRET)\s*[:=]/m,
    );
    // Azure Trusted Signing is opted into from the command line, so unsigned local builds still work.
    expect(config.win?.azureSignOptions).toBeUndefined();
  });

  it('Windows: per-machine NSIS (silent /S /allusers) and MSI, both x64', () => {
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: true, allowElevation: true });
    expect(config.msi).toMatchObject({ perMachine: true });
    expect(config.msi?.upgradeCode).toMatch(/^[0-9a-f-]{36}$/);
    const targets = (config.win?.target as { target: string }[]).map((t) => t.target);
    expect(targets).toEqual(['nsis', 'msi']);
    expect(config.win?.signtoolOptions?.signingHashAlgorithms).toEqual(['sha256']);
  });

  it('macOS: hardened runtime, a minimal entitlements file, notarisation, dmg + zip', async () => {
    expect(config.mac?.hardenedRuntime).toBe(true);
    expect(config.mac?.notarize).toBe(true);
    expect(config.mac?.entitlements).toBe('build/entitlements.mac.plist');
    expect(config.mac?.entitlementsInherit).toBe('build/entitlements.mac.plist');
    const entitlements = await readFile(join(ROOT, 'build/entitlements.mac.plist'), 'utf8');
    expect(entitlements).toContain('com.apple.security.cs.allow-jit');
    expect(entitlements).not.toMatch(
      /disable-library-validation|allow-dyld-environment-variables|get-task-allow/,
    );
    expect((config.mac?.target as { target: string }[]).map((t) => t.target)).toEqual(['dmg', 'zip']);
  });

  it('Linux: deb, rpm and AppImage', () => {
    expect((config.linux?.target as { target: string }[]).map((t) => t.target)).toEqual([
      'deb',
      'rpm',
      'AppImage',
    ]);
    expect(config.deb?.depends).toContain('libsecret-1-0');
  });

  it('native modules are rebuilt for Electron and unpacked from the asar', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.buildDependenciesFromSource).toBe(true);
    expect(config.asarUnpack).toContain('**/*.node');
    for (const module of ['better-sqlite3-multiple-ciphers', 'keytar', 'node-hid', 'usb']) {
      expect((config.asarUnpack as string[]).some((p) => p.includes(`node_modules/${module}/`))).toBe(true);
    }
  });

  it('Electron fuses close the Node escape hatches', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
  });

  it('names artefacts the way scripts/release-sign.ts finds them', () => {
    expect(config.artifactName).toBe('${productName}-${version}-${os}-${arch}.${ext}');
    expect(config.appId).toBe('org.outpost.app');
  });
});

describe('packaging', () => {
  // Packaging needs the Electron binary (not downloadable on our build machines), Electron's headers
  // for the native rebuild, and minutes; per platform, signing identities too (docs/deployment.md).
  const binary = electronBinary();
  const reason = !binary
    ? 'skipped: the Electron binary is not installed (npm cannot download it here), so electron-builder cannot package'
    : !process.env.OUTPOST_PACKAGE_TEST
      ? 'skipped: set OUTPOST_PACKAGE_TEST=1 to package for this platform (several minutes)'
      : null;

  it('packages an unpacked app for this platform with electron-builder', async (ctx) => {
    if (reason) {
      console.info(`[packaging] ${reason}`);
      ctx.skip(reason);
      return;
    }
    const out = await mkdtemp(join(tmpdir(), 'outpost-package-'));
    try {
      await promisify(execFile)(
        process.execPath,
        [
          join(ROOT, 'node_modules/electron-builder/cli.js'),
          '--dir',
          '--publish',
          'never',
          `-c.directories.output=${out}`,
          `-c.electronDist=${dirname(binary!)}`,
        ],
        { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
      );
      const unpacked = await import('node:fs/promises').then((fs) => fs.readdir(out));
      expect(unpacked.some((name) => name.endsWith('unpacked'))).toBe(true);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
