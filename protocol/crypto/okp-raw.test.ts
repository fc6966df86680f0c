import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { rawOkpPrivate, rawOkpPublic } from './okp-raw';

const run = promisify(execFile);

/** A key's JWK fields, read from a re-imported copy (imported keys export JWK without the deadlock). */
function jwkOf(der: Buffer, type: 'spki' | 'pkcs8'): { x?: string; d?: string } {
  const key =
    type === 'spki'
      ? createPublicKey({ key: der, format: 'der', type })
      : createPrivateKey({ key: der, format: 'der', type });
  return key.export({ format: 'jwk' });
}

describe('raw OKP keys through DER', () => {
  for (const kind of ['ed25519', 'x25519'] as const) {
    it(`gives the same 32 bytes as JWK for ${kind}, public and private`, () => {
      const { publicKey, privateKey } = generateKeyPairSync(kind as 'x25519');
      const spki = publicKey.export({ format: 'der', type: 'spki' });
      const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
      const jwk = jwkOf(pkcs8, 'pkcs8');
      expect(Buffer.from(rawOkpPublic(publicKey)).toString('base64url')).toBe(jwkOf(spki, 'spki').x);
      expect(Buffer.from(rawOkpPublic(privateKey)).toString('base64url')).toBe(jwk.x);
      expect(Buffer.from(rawOkpPrivate(privateKey)).toString('base64url')).toBe(jwk.d);
    });
  }

  it('refuses other keys, and a public key where a private one is needed', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => rawOkpPublic(ec.publicKey)).toThrow(/Not an Ed25519 or X25519 key/);
    expect(() => rawOkpPrivate(generateKeyPairSync('x25519').publicKey)).toThrow(/Not a private key/);
  });

  // Node 20.20: GC during a JWK export of a generated key ran the key-generation job's destructor,
  // which waited on a lock the export held; a till sealing bundles could freeze for good. Run in a
  // child process, since a deadlocked loop would also stop this worker's own timers.
  it('seals and exports thousands of fresh keys without the process hanging', async () => {
    const fixture = fileURLToPath(new URL('./okp-raw-loop.fixture.ts', import.meta.url));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', fixture, '5000'], {
      timeout: 90_000,
      killSignal: 'SIGKILL',
    });
    expect(stdout.trim()).toBe('done 5000');
  }, 120_000);
});
