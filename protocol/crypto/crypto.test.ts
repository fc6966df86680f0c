import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical';
import {
  exportPrivateKey,
  generateEd25519,
  importPrivateKey,
  importPublicKey,
  publicKeyPem,
  publicKeyRaw,
  signCanonical,
  verifyCanonical,
} from './ed25519';
import {
  DEVICE_HEADERS,
  REPLAY_WINDOW_MS,
  signRequest,
  verifyRequestSignature,
  withinReplayWindow,
} from './request-signature';

describe('canonical JSON (RFC 8785)', () => {
  it('orders keys by UTF-16 code units and writes numbers the ECMAScript way', () => {
    // Vectors from RFC 8785 section 3.2.2/3.2.3.
    expect(canonicalJson({ b: 1, a: [3, { d: true, c: null }], '\u20ac': 'x', '\r': 'y', '1': 2 })).toBe(
      '{"\\r":"y","1":2,"a":[3,{"c":null,"d":true}],"b":1,"€":"x"}',
    );
    expect(canonicalJson([4.5, 0.002, -0, 1e-7, 333333333.3333333])).toBe(
      '[4.5,0.002,0,1e-7,333333333.3333333]',
    );
    expect(canonicalJson('\u0000\u001f"\\\u2028')).toBe('"\\u0000\\u001f\\"\\\\\u2028"');
  });

  it('refuses values JSON cannot carry exactly', () => {
    expect(() => canonicalJson({ a: NaN })).toThrow(/JSON/);
    expect(() => canonicalJson({ a: 2 ** 53 })).toThrow(/2\^53/);
    // Integer-valued floats past 2^53 (1e30) are refused too: our protocol has no such values.
    expect(() => canonicalJson([1e30])).toThrow(/2\^53/);
    expect(() => canonicalJson({ a: 1n })).toThrow(/bigint/);
    expect(() => canonicalJson({ a: undefined })).toThrow(/undefined/);
  });
});

describe('Ed25519 over canonical JSON', () => {
  const { privateKey, publicKey } = generateEd25519();

  it('verifies what it signed whatever the key order, and nothing else', () => {
    const sig = signCanonical(privateKey, { amount: 1500, currency: 'XOF' });
    expect(verifyCanonical(publicKey, { currency: 'XOF', amount: 1500 }, sig)).toBe(true);
    expect(verifyCanonical(publicKey, { currency: 'XOF', amount: 1501 }, sig)).toBe(false);
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(verifyCanonical(publicKey, { currency: 'XOF', amount: 1500 }, flipped)).toBe(false);
    expect(verifyCanonical(publicKey, { amount: 1500, currency: 'XOF' }, 'garbage')).toBe(false);
    expect(verifyCanonical(generateEd25519().publicKey, { amount: 1500, currency: 'XOF' }, sig)).toBe(false);
  });

  it('round-trips keys through PEM, raw and PKCS#8', () => {
    const pem = publicKeyPem(publicKey);
    const raw = publicKeyRaw(publicKey).toString('base64url');
    expect(importPublicKey(pem).equals(publicKey)).toBe(true);
    expect(importPublicKey(raw).equals(publicKey)).toBe(true);
    expect(importPrivateKey(exportPrivateKey(privateKey)).equals(privateKey)).toBe(true);
  });

  it('rejects keys of other kinds and garbage', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(() => importPublicKey(rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString())).toThrow(
      /Ed25519/,
    );
    expect(() => importPublicKey('not a key')).toThrow();
    expect(() => importPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----')).toThrow();
  });
});

describe('device request signatures', () => {
  const { privateKey, publicKey } = generateEd25519();
  const request = {
    method: 'POST',
    path: '/offline/push',
    body: Buffer.from('{"a":1}'),
    deviceId: 'POS-001',
  };

  function fieldsOf(headers: Record<string, string>) {
    return {
      ...request,
      timestamp: headers[DEVICE_HEADERS.timestamp]!,
      nonce: headers[DEVICE_HEADERS.nonce]!,
    };
  }

  it('verifies an untouched request', () => {
    const headers = signRequest(privateKey, request);
    expect(verifyRequestSignature(publicKey, fieldsOf(headers), headers[DEVICE_HEADERS.signature]!)).toBe(
      true,
    );
  });

  it('fails when any signed part changes', () => {
    const headers = signRequest(privateKey, request);
    const sig = headers[DEVICE_HEADERS.signature]!;
    const base = fieldsOf(headers);
    for (const changed of [
      { ...base, method: 'PUT' },
      { ...base, path: '/offline/push?x=1' },
      { ...base, body: Buffer.from('{"a":2}') },
      { ...base, deviceId: 'POS-002' },
      { ...base, timestamp: String(Number(base.timestamp) + 1) },
      { ...base, nonce: 'A'.repeat(22) },
    ]) {
      expect(verifyRequestSignature(publicKey, changed, sig)).toBe(false);
    }
  });

  it('accepts timestamps only within the replay window', () => {
    const now = 1_800_000_000_000;
    expect(withinReplayWindow(String(now - REPLAY_WINDOW_MS), now)).toBe(true);
    expect(withinReplayWindow(String(now - REPLAY_WINDOW_MS - 1), now)).toBe(false);
    expect(withinReplayWindow(String(now + REPLAY_WINDOW_MS + 1), now)).toBe(false);
    expect(withinReplayWindow('soon', now)).toBe(false);
  });
});
