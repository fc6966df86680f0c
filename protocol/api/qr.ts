import { z } from 'zod';
import type { FeatureContract } from './feature';

/**
 * Payment QR's part of the API contract (issue 4, item 6), composed into protocol/api/contract.ts.
 * Both the till's "scan/paste payment QR" field and a hardware scanner end in `pos.qr.verify`.
 */

const Minor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const QrRequestOutput = z.object({
  /** `OUTPOST1:…`: what the till draws as a QR code. */
  text: z.string(),
  ref: z.string(),
  amountMinor: Minor,
  currency: z.string(),
  expiresAt: z.iso.datetime(),
});

export const QrVerifyInput = z.strictObject({
  /** As scanned or pasted; the core refuses anything that is not a genuine payment QR. */
  text: z.string().trim().min(1).max(4096),
  /** What the QR must pay; null takes the QR's own amount as the tender amount. */
  dueMinor: Minor.nullable(),
});

/**
 * What a verified customer QR is known by on the till: `<issuer_id>:<nonce>`. The QR tender of
 * `pos.sale.capture` must name one, so a QR tender exists only for a QR the core has verified.
 */
export const QrVerificationId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}:[A-Za-z0-9_-]{22}$/, '<issuer_id>:<nonce> from pos.qr.verify');

export const VerifiedQrPayment = z.object({
  /** Put on the sale's QR tender; it can pay one sale only. */
  verificationId: QrVerificationId,
  issuerId: z.string(),
  issuerName: z.string(),
  /** Kept on the sale's QR tender (`qr.payer_ref`). */
  payerRef: z.string(),
  amountMinor: Minor,
  currency: z.string(),
  expiresAt: z.iso.datetime(),
  /**
   * Whether the token quotes one of this till's own payment requests, naming it the payee. False
   * for a QR the customer showed without scanning the till's: the till takes it, but nothing binds
   * it to this shop, so the server holds its sale for review (QR_UNVERIFIED) until a person decides
   * (#16, tenth pass M-2): the cashier can ask the customer to scan the till's QR instead.
   */
  payeeBound: z.boolean(),
});
export type VerifiedQrPayment = z.infer<typeof VerifiedQrPayment>;

export const qrApi = {
  commands: {
    /** A payment-request QR for the amount due, signed with the device key. */
    'pos.qr.request': {
      input: z.strictObject({ amountMinor: Minor.min(1) }),
      output: QrRequestOutput,
    },
    /**
     * Verifies a customer's payment QR (issuer key, signature, expiry, amount, single use) and marks
     * it used; refusals: QR_INVALID, QR_SIGNATURE, QR_EXPIRED, QR_REPLAYED, QR_AMOUNT_MISMATCH,
     * QR_ISSUER_UNKNOWN, QR_WRONG_PAYEE (a token quoting a request this till did not make).
     */
    'pos.qr.verify': { input: QrVerifyInput, output: VerifiedQrPayment },
  },
  subscriptions: {},
} as const satisfies FeatureContract;
