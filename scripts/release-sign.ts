/**
 * `npm run release:sign -- --version 1.2.3 --channel stable --dir dist --base-url https://updates.example.com/outpost`
 *
 * Builds the signed update manifest for a channel from the installers electron-builder wrote to
 * --dir (the sha512 and size of each updatable artefact: the NSIS .exe on Windows, the .zip on
 * macOS, the .AppImage on Linux) and signs it with the release key from the environment:
 *
 *   OUTPOST_RELEASE_KEY     Ed25519 private key, PKCS#8 PEM or base64 of the PKCS#8 DER (required)
 *   OUTPOST_RELEASE_KEY_ID  its key id, as pinned in the app (or --key-id)
 *
 * Options: --rollout <0-100> (default 100), --paused, --expires-days <n> (default 30),
 * --min-version <semver>, --out <file> (default <dir>/<channel>.json).
 * Each run signs a fresh released_at: re-run it to widen a rollout or to pause one, and publish the
 * result in place of the previous manifest (devices refuse any manifest older than one they saw).
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  checkManifest,
  INITIAL_STATE,
  signManifest,
  type UpdateFile,
  type UpdateManifestBody,
} from '../src-main/core/deploy/update-manifest';
import { isSemver } from '../src-main/core/deploy/semver';

const OS: Record<string, string> = { win: 'win32', mac: 'darwin', linux: 'linux' };
const ARCH: Record<string, string> = {
  x64: 'x64',
  x86_64: 'x64',
  amd64: 'x64',
  arm64: 'arm64',
  aarch64: 'arm64',
  ia32: 'ia32',
  armv7l: 'armv7l',
};
/** The artefact electron-updater installs on each OS (deb and rpm are updated by IT's repositories). */
const UPDATABLE: Record<string, string> = { win32: 'exe', darwin: 'zip', linux: 'AppImage' };

class UsageError extends Error {}

function loadKey(encoded: string | undefined): KeyObject {
  if (!encoded?.trim()) {
    throw new UsageError('OUTPOST_RELEASE_KEY is not set: refusing to produce an unsigned manifest.');
  }
  const key = encoded.includes('-----BEGIN')
    ? createPrivateKey({ key: encoded, format: 'pem' })
    : createPrivateKey({ key: Buffer.from(encoded.trim(), 'base64'), format: 'der', type: 'pkcs8' });
  if (key.asymmetricKeyType !== 'ed25519') throw new UsageError('OUTPOST_RELEASE_KEY is not an Ed25519 key.');
  return key;
}

async function sha512Of(path: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('base64');
}

/** `${productName}-${version}-${os}-${arch}.${ext}`, the artifactName electron-builder.yml sets. */
async function collectFiles(
  dir: string,
  version: string,
  baseUrl: string,
): Promise<Record<string, UpdateFile>> {
  const escaped = version.replace(/[.+]/g, '\\$&');
  const pattern = new RegExp(`-${escaped}-(win|mac|linux)-([A-Za-z0-9_]+)\\.(exe|zip|AppImage)$`);
  const files: Record<string, UpdateFile> = {};
  for (const name of (await readdir(dir)).sort()) {
    const match = pattern.exec(name);
    if (!match) continue;
    const platform = OS[match[1]!]!;
    const arch = ARCH[match[2]!];
    if (!arch || UPDATABLE[platform] !== match[3]) continue;
    const key = `${platform}-${arch}`;
    if (files[key]) throw new UsageError(`two artefacts for ${key} in ${dir}: ${name} and another`);
    const path = join(dir, name);
    files[key] = {
      url: `${baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(name)}`,
      sha512: await sha512Of(path),
      size: (await stat(path)).size,
    };
  }
  if (Object.keys(files).length === 0) {
    throw new UsageError(`no updatable artefact for version ${version} in ${dir} (.exe, .zip or .AppImage)`);
  }
  return files;
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      version: { type: 'string' },
      channel: { type: 'string', default: 'stable' },
      dir: { type: 'string', default: 'dist' },
      'base-url': { type: 'string' },
      'key-id': { type: 'string' },
      rollout: { type: 'string', default: '100' },
      paused: { type: 'boolean', default: false },
      'expires-days': { type: 'string', default: '30' },
      'min-version': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const key = loadKey(env.OUTPOST_RELEASE_KEY);
  const keyId = values['key-id'] ?? env.OUTPOST_RELEASE_KEY_ID;
  if (!keyId) throw new UsageError('a key id is needed: --key-id or OUTPOST_RELEASE_KEY_ID');
  if (!values.version || !isSemver(values.version)) throw new UsageError('--version x.y.z is required');
  if (!values['base-url']) throw new UsageError('--base-url https://… is required');
  const rollout = Number(values.rollout);
  const days = Number(values['expires-days']);
  if (!(rollout >= 0 && rollout <= 100)) throw new UsageError('--rollout is a percentage, 0 to 100');
  if (!(days > 0 && days <= 366)) throw new UsageError('--expires-days is 1 to 366');

  const dir = resolve(values.dir);
  const now = new Date();
  const body: UpdateManifestBody = {
    v: 1,
    key_id: keyId,
    version: values.version,
    channel: values.channel,
    released_at: now.toISOString(),
    expires_at: new Date(now.getTime() + days * 86_400_000).toISOString(),
    rollout: { percentage: rollout, paused: values.paused },
    files: await collectFiles(dir, values.version, values['base-url']),
    ...(values['min-version'] ? { min_version: values['min-version'] } : {}),
  };
  const manifest = signManifest(body, key);
  const text = `${JSON.stringify(manifest, null, 2)}\n`;

  // Verify what we wrote exactly as a device would, against the key we just signed with.
  const publicKey = createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
  for (const platformArch of Object.keys(manifest.files)) {
    checkManifest(text, {
      keys: [{ id: keyId, publicKey }],
      installedVersion: '0.0.0',
      channel: manifest.channel,
      platformArch,
      deviceId: 'release-sign',
      state: INITIAL_STATE,
      now,
    });
  }
  const out = resolve(values.out ?? join(dir, `${manifest.channel}.json`));
  await writeFile(out, text);
  console.log(
    `signed ${manifest.channel} ${manifest.version} (${Object.keys(manifest.files).join(', ')}) → ${out}`,
  );
}

main(process.argv.slice(2), process.env).catch((error: unknown) => {
  console.error(`release:sign: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
