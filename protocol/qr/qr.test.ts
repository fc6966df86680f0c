import { describe, expect, it } from 'vitest';
import { generateEd25519, publicKeyRaw } from '../crypto/ed25519';
import {
  createPaymentRequest,
  decodeSigned,
  issuePaymentToken,
  QR_SCHEME,
  readPaymentRequest,
  verifyPaymentToken,
  type IssuerKey,
  type TokenCheck,
} from './index';

const NOW = Date.parse('2026-03-02T10:00:00Z');
const wave = generateEd25519();
const WAVE: IssuerKey = {
  issuer_id: 'wave',
  key_id: '2026-01',
  name: 'Wave',
  public_key: publicKeyRaw(wave.publicKey).toString('base64url'),
};

function token(overrides: Partial<Parameters<typeof issuePaymentToken>[0]> = {}, key = wave.privateKey) {
  return issuePaymentToken(
    {
      issuer_id: 'wave',
      key_id: '2026-01',
      payer_ref: 'wave:tx-8842',
      amount_minor: 4880,
      currency: 'XOF',
      now: NOW,
      ...overrides,
    },
    key,
  );
}

function check(overrides: Partial<TokenCheck> = {}): TokenCheck {
  return {
    issuers: [WAVE],
    now: NOW + 60_000,
    due: { amountMinor: 4880, currency: 'XOF' },
    seen: () => false,
    ...overrides,
  };
}

/** Flips one bit of the payload (not the scheme or the signature). */
function tamper(text: string, at: number): string {
  const body = text.slice(QR_SCHEME.length);
  const [payload, signature] = body.split('.') as [string, string];
  const bytes = Buffer.from(payload, 'base64url');
  bytes[at] = bytes[at]! ^ 0x01;
  return `${QR_SCHEME}${bytes.toString('base64url')}.${signature}`;
}

describe('customer payment QR', () => {
  it('verifies a genuine token and gives the payer reference', () => {
    const verified = verifyPaymentToken(token(), check());
    expect(verified).toMatchObject({ payer_ref: 'wave:tx-8842', amount_minor: 4880, currency: 'XOF' });
  });

  it('refuses a token with any byte of its payload changed', () => {
    const text = token();
    const length = Buffer.from(text.slice(QR_SCHEME.length).split('.')[0]!, 'base64url').length;
    // The amount digit, a key name, the payer reference: each flip is refused, never accepted.
    for (const at of [0, Math.floor(length / 3), Math.floor(length / 2), length - 2]) {
      expect(() => verifyPaymentToken(tamper(text, at), check())).toThrow(
        expect.objectContaining({ code: expect.stringMatching(/^QR_(SIGNATURE|INVALID|ISSUER_UNKNOWN)$/) }),
      );
    }
    // A change that keeps the JSON valid and the issuer known is caught by the signature.
    const raised = text.replace(
      text.slice(QR_SCHEME.length).split('.')[0]!,
      Buffer.from(
        Buffer.from(text.slice(QR_SCHEME.length).split('.')[0]!, 'base64url')
          .toString()
          .replace('"amount_minor":4880', '"amount_minor":4881'),
      ).toString('base64url'),
    );
    expect(() => verifyPaymentToken(raised, check({ due: { amountMinor: 4881, currency: 'XOF' } }))).toThrow(
      expect.objectContaining({ code: 'QR_SIGNATURE' }),
    );
  });

  it('refuses a token signed with another key under a known issuer id', () => {
    const forged = token({}, generateEd25519().privateKey);
    expect(() => verifyPaymentToken(forged, check())).toThrow(
      expect.objectContaining({ code: 'QR_SIGNATURE' }),
    );
  });

  it('refuses an issuer or key id the terminal does not know', () => {
    expect(() => verifyPaymentToken(token({ issuer_id: 'orange' }), check())).toThrow(
      expect.objectContaining({ code: 'QR_ISSUER_UNKNOWN' }),
    );
    expect(() => verifyPaymentToken(token({ key_id: '2025-01' }), check())).toThrow(
      expect.objectContaining({ code: 'QR_ISSUER_UNKNOWN' }),
    );
  });

  it('refuses an expired token, and one issued far in the future', () => {
    const text = token({ lifetimeMs: 5 * 60_000 });
    expect(verifyPaymentToken(text, check({ now: NOW + 5 * 60_000 - 1 }))).toBeTruthy();
    expect(() => verifyPaymentToken(text, check({ now: NOW + 5 * 60_000 }))).toThrow(
      expect.objectContaining({ code: 'QR_EXPIRED' }),
    );
    expect(() => verifyPaymentToken(token({ now: NOW + 3_600_000 }), check({ now: NOW }))).toThrow(
      expect.objectContaining({ code: 'QR_INVALID' }),
    );
  });

  it('refuses a replayed token', () => {
    const seen = new Set<string>();
    const remember: TokenCheck['seen'] = (issuer, nonce) => seen.has(`${issuer}:${nonce}`);
    const text = token();
    const first = verifyPaymentToken(text, check({ seen: remember }));
    seen.add(`${first.issuer_id}:${first.nonce}`);
    expect(() => verifyPaymentToken(text, check({ seen: remember }))).toThrow(
      expect.objectContaining({ code: 'QR_REPLAYED' }),
    );
  });

  it('refuses another amount or currency than due, and takes the QR amount when none is set', () => {
    expect(() => verifyPaymentToken(token(), check({ due: { amountMinor: 4879, currency: 'XOF' } }))).toThrow(
      expect.objectContaining({ code: 'QR_AMOUNT_MISMATCH' }),
    );
    expect(() => verifyPaymentToken(token(), check({ due: { amountMinor: 4880, currency: 'EUR' } }))).toThrow(
      expect.objectContaining({ code: 'QR_AMOUNT_MISMATCH' }),
    );
    expect(
      verifyPaymentToken(token(), check({ due: { amountMinor: null, currency: 'XOF' } })).amount_minor,
    ).toBe(4880);
  });

  it('refuses garbage, truncation, other schemes and non-canonical payloads', () => {
    const text = token();
    for (const bad of [
      '',
      'hello',
      text.slice(0, -5),
      text.replace(QR_SCHEME, 'OUTPOST2:'),
      `${text} trailing`,
      `${QR_SCHEME}${Buffer.from('{"b":1, "a":2}').toString('base64url')}.${'A'.repeat(86)}`,
    ])
      expect(() => verifyPaymentToken(bad, check())).toThrow(expect.objectContaining({ code: 'QR_INVALID' }));
  });

  it('does not take a till’s payment request for a customer’s payment', () => {
    const device = generateEd25519();
    const { text } = createPaymentRequest(
      { deviceId: 'POS-1', ref: 'cart-1', amountMinor: 4880, currency: 'XOF', merchant: null, now: NOW },
      device.privateKey,
    );
    expect(() => verifyPaymentToken(text, check())).toThrow(expect.objectContaining({ code: 'QR_INVALID' }));
  });
});

describe('till payment request QR', () => {
  const device = generateEd25519();
  const fields = {
    deviceId: 'POS-1',
    ref: 'cart-7f3a',
    amountMinor: 4880,
    currency: 'XOF',
    merchant: { type: 'merchant' as const, id: 'boutique-dakar' },
    now: NOW,
  };

  it('is compact, signed by the device and readable by a customer’s app', () => {
    const { text, request } = createPaymentRequest(fields, device.privateKey);
    expect(text.startsWith(QR_SCHEME)).toBe(true);
    expect(text.length).toBeLessThan(500);
    expect(readPaymentRequest(text, device.publicKey, NOW + 1000)).toEqual(request);
    expect(decodeSigned(text).json).toMatchObject({ amount_minor: 4880, currency: 'XOF', ref: 'cart-7f3a' });
  });

  it('is refused when tampered, signed by another device, or expired', () => {
    const { text } = createPaymentRequest(fields, device.privateKey);
    expect(() => readPaymentRequest(text, generateEd25519().publicKey, NOW)).toThrow(
      expect.objectContaining({ code: 'QR_SIGNATURE' }),
    );
    const raised = text.replace(
      text.slice(QR_SCHEME.length).split('.')[0]!,
      Buffer.from(
        Buffer.from(text.slice(QR_SCHEME.length).split('.')[0]!, 'base64url')
          .toString()
          .replace('"amount_minor":4880', '"amount_minor":1'),
      ).toString('base64url'),
    );
    expect(() => readPaymentRequest(raised, device.publicKey, NOW)).toThrow(
      expect.objectContaining({ code: 'QR_SIGNATURE' }),
    );
    expect(() => readPaymentRequest(text, device.publicKey, NOW + 15 * 60_000)).toThrow(
      expect.objectContaining({ code: 'QR_EXPIRED' }),
    );
  });

  it('gives every request its own nonce', () => {
    const a = createPaymentRequest(fields, device.privateKey).request;
    const b = createPaymentRequest(fields, device.privateKey).request;
    expect(a.nonce).not.toBe(b.nonce);
  });
});
