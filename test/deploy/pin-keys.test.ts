import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateEd25519, publicKeyPem, publicKeyRaw } from '../../protocol/crypto';
import { keysFromEnv } from '../../src-main/core/deploy/pin-keys-cli';

/**
 * Issue #16, F1: a package without the server's signing key would leave each laptop to learn it
 * from the network, where a student's own proxy can answer first. `npm run package` must refuse.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'src-main', 'core', 'deploy', 'pin-keys-cli.ts');
const PINNED = join(ROOT, 'src-main', 'core', 'deploy', 'pinned-keys.ts');
const raw = () => publicKeyRaw(generateEd25519().publicKey).toString('base64url');
const complete = () => ({
  OUTPOST_ORG_PUBLIC_KEYS: raw(),
  OUTPOST_RELEASE_PUBLIC_KEYS: `r1=${raw()}`,
  OUTPOST_SERVER_SIGNING_PUBLIC_KEY: publicKeyPem(generateEd25519().publicKey),
});

describe('pin-keys', () => {
  it('F1: refuses to package without OUTPOST_SERVER_SIGNING_PUBLIC_KEY (exit 2), and writes nothing', async () => {
    const before = await readFile(PINNED, 'utf8');
    const { OUTPOST_SERVER_SIGNING_PUBLIC_KEY: _server, ...withoutServer } = complete();
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', CLI], {
      cwd: ROOT,
      env: { ...process.env, ...withoutServer, OUTPOST_SERVER_SIGNING_PUBLIC_KEY: '' },
    });
    const failure = await run.then(
      () => null,
      (e: unknown) => e as { code: number; stderr: string },
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain('OUTPOST_SERVER_SIGNING_PUBLIC_KEY is not set');
    expect(await readFile(PINNED, 'utf8')).toBe(before);
  });

  it('F1: refuses a server key that is not an Ed25519 public key, and pins a valid one', () => {
    expect(() => keysFromEnv({ ...complete(), OUTPOST_SERVER_SIGNING_PUBLIC_KEY: 'not-a-key' })).toThrow();
    const env = complete();
    expect(keysFromEnv(env).serverKey).toBe(env.OUTPOST_SERVER_SIGNING_PUBLIC_KEY.trim());
  });
});
