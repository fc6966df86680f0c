import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicKeyRaw } from '../../protocol/crypto';
import { QrError } from '../../protocol/qr';
import { QrVerifier, type StoredIssuerKey } from './qr-verifier';
import { TEST_WALLET, walletQr } from './test-support';

const walletKey = (publicKey = TEST_WALLET.publicKey): StoredIssuerKey => ({
  issuer_id: TEST_WALLET.issuer_id,
  key_id: TEST_WALLET.key_id,
  name: 'Test wallet',
  public_key: publicKeyRaw(publicKey).toString('base64url'),
  active: true,
});

const codeOf = (verifier: QrVerifier, text: string) => {
  try {
    verifier.verify(text);
    return 'verified';
  } catch (error) {
    if (error instanceof QrError) return error.code;
    throw error;
  }
};

// An open thread verifies a bundle's QRs against the keys the push read a few seconds earlier; the
// push's transaction adopts those verdicts only if it reads the same keys (push.ts, qr-verifier.ts).
describe('QR verdicts made by an open thread', () => {
  const qr = walletQr(1180);
  const before = new QrVerifier([walletKey()]).export([qr]);

  it('are adopted against the same keys, whether or not a key was withdrawn since', () => {
    expect(before.verdicts[0]![1]).toHaveProperty('token');
    expect(codeOf(new QrVerifier([walletKey()], before), qr)).toBe('verified');
    // Withdrawal is read from the transaction's keys (checkQrTokens), not from the verdict.
    expect(codeOf(new QrVerifier([{ ...walletKey(), active: false }], before), qr)).toBe('verified');
  });

  it('are not adopted once the issuer key was removed: the QR is verified again, and fails', () => {
    expect(codeOf(new QrVerifier([], before), qr)).toBe('QR_ISSUER_UNKNOWN');
  });

  it('are not adopted once the key was replaced under the same id: the signature no longer verifies', () => {
    const replaced = walletKey(generateKeyPairSync('ed25519').publicKey);
    expect(codeOf(new QrVerifier([replaced], before), qr)).toBe('QR_SIGNATURE');
    expect(new QrVerifier([replaced], before).tenderToken({ text: qr, signature: 'x' })).toBeNull();
  });

  it('a refusal made against other keys is not adopted either', () => {
    const refused = new QrVerifier([]).export([qr]);
    expect(refused.verdicts[0]![1]).toEqual({
      error: expect.objectContaining({ code: 'QR_ISSUER_UNKNOWN' }),
    });
    expect(codeOf(new QrVerifier([walletKey()], refused), qr)).toBe('verified');
  });
});
