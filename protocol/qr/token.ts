import { randomBytes, type KeyObject } from 'node:crypto';
import { importPublicKey } from '../crypto/ed25519';
import { decodeSigned, encodeSigned, signatureValid } from './codec';
import { QrError } from './errors';
import { PaymentToken, QR_CLOCK_SKEW_MS, QR_MAX_LIFETIME_MS, type IssuerKey } from './formats';

/** What an issuer (a wallet) puts in a customer's payment QR. Used by issuers and by our tests. */
export function issuePaymentToken(
  fields: Omit<PaymentToken, 'v' | 't' | 'nonce' | 'created_at' | 'expires_at'> & {
    now: number;
    lifetimeMs?: number;
    nonce?: string;
  },
  issuerKey: KeyObject,
): string {
  const { now, lifetimeMs, nonce, ...rest } = fields;
  const token = PaymentToken.parse({
    v: 1,
    t: 'pay',
    ...rest,
    created_at: new Date(now).toISOString(),
    expires_at: new Date(now + (lifetimeMs ?? 10 * 60_000)).toISOString(),
    nonce: nonce ?? randomBytes(16).toString('base64url'),
  });
  return encodeSigned(token, issuerKey);
}

export interface TokenCheck {
  /** Issuer keys the terminal knows (pulled from the server). */
  issuers: readonly IssuerKey[];
  now: number;
  /** What is due; null takes the QR's own amount as the tender (it must still be in this currency). */
  due: { amountMinor: number | null; currency: string };
  /** True when this terminal has already accepted this issuer's nonce. */
  seen: (issuerId: string, nonce: string) => boolean;
}

/**
 * The issuer's word, checked: decodes a customer's payment QR, finds its issuer key among `issuers`
 * and verifies the signature over the bytes received. Throws QR_INVALID, QR_ISSUER_UNKNOWN or
 * QR_SIGNATURE; answers the token. The terminal (verifyPaymentToken) and the server, checking a
 * pushed sale's QR tender (server/payments/qr-tokens.ts), both start here.
 */
export function verifyTokenSignature(
  text: string,
  issuers: readonly IssuerKey[],
  /** How an issuer's public key is read; the server passes one that reads each key once per push. */
  importKey: (encoded: string) => KeyObject = importPublicKey,
): PaymentToken {
  const decoded = decodeSigned(text);
  const kind = (decoded.json as { t?: unknown } | null)?.t;
  if (kind === 'req')
    throw new QrError('QR_INVALID', 'This is a payment request (a till’s QR), not a customer’s payment.');
  const parsed = PaymentToken.safeParse(decoded.json);
  if (!parsed.success) throw new QrError('QR_INVALID', 'This QR code is not a payment.');
  const token = parsed.data;

  const key = issuers.find((k) => k.issuer_id === token.issuer_id && k.key_id === token.key_id);
  if (!key)
    throw new QrError(
      'QR_ISSUER_UNKNOWN',
      `The payment issuer ${token.issuer_id} is not known to this terminal.`,
      {
        issuerId: token.issuer_id,
        keyId: token.key_id,
      },
    );
  let publicKey: KeyObject;
  try {
    publicKey = importKey(key.public_key);
  } catch {
    throw new QrError('QR_ISSUER_UNKNOWN', `The key of payment issuer ${token.issuer_id} is unusable.`);
  }
  if (!signatureValid(decoded, publicKey))
    throw new QrError('QR_SIGNATURE', 'The payment QR code’s signature does not match its issuer.');
  return token;
}

/**
 * Verifies a customer's payment QR before its tender is accepted, cheapest refusals first but the
 * signature before anything that depends on the content: unknown issuer, signature, expiry, amount,
 * replay. Throws QrError; answers the verified token.
 */
export function verifyPaymentToken(text: string, check: TokenCheck): PaymentToken {
  const token = verifyTokenSignature(text, check.issuers);

  const created = Date.parse(token.created_at);
  const expires = Date.parse(token.expires_at);
  if (expires <= created || expires - created > QR_MAX_LIFETIME_MS)
    throw new QrError('QR_INVALID', 'The payment QR code’s validity period is not acceptable.');
  if (created > check.now + QR_CLOCK_SKEW_MS)
    throw new QrError('QR_INVALID', 'The payment QR code was issued in the future: check the till’s clock.');
  if (expires <= check.now)
    throw new QrError('QR_EXPIRED', 'The payment QR code has expired: ask the customer for a new one.', {
      expiresAt: token.expires_at,
    });

  if (
    token.currency !== check.due.currency ||
    (check.due.amountMinor !== null && token.amount_minor !== check.due.amountMinor)
  )
    throw new QrError('QR_AMOUNT_MISMATCH', 'The payment QR code is not for the amount due.', {
      qrAmountMinor: token.amount_minor,
      qrCurrency: token.currency,
      dueMinor: check.due.amountMinor,
      currency: check.due.currency,
    });

  if (check.seen(token.issuer_id, token.nonce))
    throw new QrError('QR_REPLAYED', 'This payment QR code has already been used at this till.');
  return token;
}
