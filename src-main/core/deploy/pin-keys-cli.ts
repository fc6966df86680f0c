/**
 * Build step of `npm run package`: pins the organisation and release public keys into
 * pinned-keys.ts from the environment, so the packaged app trusts exactly those.
 *
 *   OUTPOST_ORG_PUBLIC_KEYS       organisation keys (provisioning): raw base64url Ed25519 keys,
 *                                 comma-separated, or SPKI PEM blocks
 *   OUTPOST_RELEASE_PUBLIC_KEYS   release keys (updates): `id=rawBase64url`, comma-separated;
 *                                 two during a rotation (the current key and the next one)
 *   OUTPOST_SERVER_SIGNING_PUBLIC_KEY  the server's Ed25519 signing key (raw base64url or SPKI PEM).
 *                                 Licences and signed server time verify against it alone. Required:
 *                                 a packaged laptop never learns this key from the network, where a
 *                                 student's own proxy could answer first with theirs (issue #16)
 *
 * Refuses (exit 2) when any is missing or holds something that is not an Ed25519 public key:
 * a package that trusts nothing would never accept a provisioning file, an update or a licence.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { importPublicKey } from '../../../protocol/crypto';
import { KeyId } from './update-manifest';

export function parseOrgKeys(value: string | undefined): string[] {
  const text = value?.trim() ?? '';
  const pems = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g);
  const keys =
    pems ??
    text
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean);
  for (const key of keys) importPublicKey(key); // throws on anything but Ed25519
  return keys.map((k) => k.replace(/\r\n/g, '\n'));
}

export function parseReleaseKeys(value: string | undefined): { id: string; publicKey: string }[] {
  const entries = (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const keys = entries.map((entry) => {
    const at = entry.indexOf('=');
    const id = KeyId.parse(entry.slice(0, at));
    const publicKey = entry.slice(at + 1);
    importPublicKey(publicKey);
    return { id, publicKey };
  });
  if (new Set(keys.map((k) => k.id)).size !== keys.length)
    throw new TypeError('release key ids must be unique');
  return keys;
}

export function renderPinnedKeys(
  org: string[],
  release: { id: string; publicKey: string }[],
  serverSigning: string | null = null,
): string {
  return `/**
 * Public keys this build trusts, pinned at build time. \`npm run package\` rewrites this file from
 * OUTPOST_ORG_PUBLIC_KEYS and OUTPOST_RELEASE_PUBLIC_KEYS (see src-main/core/deploy/pin-keys-cli.ts
 * and docs/deployment.md) and refuses to package without them. The committed values are empty: a
 * development build trusts no provisioning file and no update, and says so. Tests inject their own.
 */

/** Organisation keys that may sign provisioning files (SPKI PEM or raw base64url Ed25519). */
export const PINNED_ORG_KEYS: readonly string[] = ${JSON.stringify(org, null, 2)};

/** Release keys that may sign update manifests, by key id; two during a rotation. */
export const PINNED_RELEASE_KEYS: readonly { id: string; publicKey: string }[] = ${JSON.stringify(release, null, 2)};

/** The server's signing key, when the build pins it: licences and signed server time verify against it alone. */
export const PINNED_SERVER_SIGNING_KEY: string | null = ${JSON.stringify(serverSigning)};
`;
}

/** The keys a package pins, from the environment; throws (so packaging stops) when one is missing. */
export function keysFromEnv(env: NodeJS.ProcessEnv): {
  org: string[];
  release: { id: string; publicKey: string }[];
  serverKey: string;
} {
  const org = parseOrgKeys(env.OUTPOST_ORG_PUBLIC_KEYS);
  const release = parseReleaseKeys(env.OUTPOST_RELEASE_PUBLIC_KEYS);
  if (org.length === 0) throw new TypeError('OUTPOST_ORG_PUBLIC_KEYS is not set');
  if (release.length === 0) throw new TypeError('OUTPOST_RELEASE_PUBLIC_KEYS is not set');
  const serverKey = env.OUTPOST_SERVER_SIGNING_PUBLIC_KEY?.trim();
  // Without it a packaged laptop could check licences against nothing it can trust (issue #16).
  if (!serverKey) throw new TypeError('OUTPOST_SERVER_SIGNING_PUBLIC_KEY is not set');
  importPublicKey(serverKey); // throws on anything but Ed25519
  return { org, release, serverKey: serverKey.replace(/\r\n/g, '\n') };
}

async function main(): Promise<void> {
  const { org, release, serverKey } = keysFromEnv(process.env);
  const target = fileURLToPath(new URL('./pinned-keys.ts', import.meta.url));
  await writeFile(target, renderPinnedKeys(org, release, serverKey));
  console.log(
    `pinned ${org.length} organisation key(s) and release key(s) ${release.map((k) => k.id).join(', ')}`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(
      `pin-keys: ${error instanceof Error ? error.message : String(error)}; refusing to package.`,
    );
    process.exit(2);
  });
}
