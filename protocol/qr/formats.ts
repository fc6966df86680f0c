import { z } from 'zod';
import { base64urlBytes } from '../crypto/base64url';
import {
  Currency,
  DeviceId,
  IsoDateTime,
  NonNegativeMinor,
  plainText,
  storedText,
  TenantId,
  TenantType,
} from '../http/common';

/**
 * The two payment QR payloads (docs/protocol.md, "Payment QR codes"). Both are signed with Ed25519
 * over their RFC 8785 canonical JSON and travel as `OUTPOST1:<payload>.<signature>` (codec.ts).
 * `t` tells them apart inside the signed bytes, so one can never be passed off as the other.
 */

/** 16 random bytes, base64url: unique per QR, so a copy of one is recognised. */
export const QrNonce = base64urlBytes(16);
/** A sale or cart reference: what the cashier and the customer's app both show. */
export const QrRef = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, '1-64 of A-Z a-z 0-9 . _ : -');
export const IssuerId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, '1-64 of a-z 0-9 . _ -');
export const KeyId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '1-64 of A-Z a-z 0-9 . _ -');
/** Raw 32-byte Ed25519 public key, base64url: short enough for a QR and a pull answer. */
export const RawEd25519Public = base64urlBytes(32);

/** The terminal's request: "pay this amount to this merchant for this sale", signed by the device. */
export const PaymentRequest = z.strictObject({
  v: z.literal(1),
  t: z.literal('req'),
  device_id: DeviceId,
  ref: QrRef,
  amount_minor: NonNegativeMinor,
  currency: Currency,
  merchant: z.strictObject({ type: TenantType, id: TenantId }).nullable(),
  created_at: IsoDateTime,
  expires_at: IsoDateTime,
  nonce: QrNonce,
});
export type PaymentRequest = z.infer<typeof PaymentRequest>;

/** The customer's payment: a payment issuer (wallet) vouches that the payer pays this amount. */
export const PaymentToken = z.strictObject({
  v: z.literal(1),
  t: z.literal('pay'),
  issuer_id: IssuerId,
  key_id: KeyId,
  /** The issuer's reference for the payer or the payment, kept on the sale's QR tender. */
  payer_ref: plainText(128),
  amount_minor: NonNegativeMinor,
  currency: Currency,
  /** The request this pays, when the customer's app scanned the till's QR first. */
  request_ref: QrRef.optional(),
  created_at: IsoDateTime,
  expires_at: IsoDateTime,
  nonce: QrNonce,
});
export type PaymentToken = z.infer<typeof PaymentToken>;

/** One public key of a payment issuer, as the server publishes them (GET /offline/qr/issuers). */
export const IssuerKey = z.strictObject({
  issuer_id: IssuerId,
  key_id: KeyId,
  name: plainText(100),
  public_key: RawEd25519Public,
});
export type IssuerKey = z.infer<typeof IssuerKey>;

export const IssuerKeyList = z.object({ issuers: z.array(IssuerKey).max(1000) });
export type IssuerKeyList = z.infer<typeof IssuerKeyList>;

/** A request (or token) lives at most this long: a QR on screen or on a phone is short-lived. */
export const QR_MAX_LIFETIME_MS = 24 * 3_600_000;
/** Clocks of a till and a phone disagree a little; more than this in the future is refused. */
export const QR_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * POST /offline/qr/issuers (pay_admin): add or replace one issuer key; `active: false` withdraws it.
 * The name is stored and shown: no card data in it (IssuerKey, which tills parse, keeps plainText).
 */
export const IssuerKeyInput = IssuerKey.extend({ name: storedText(100), active: z.boolean().default(true) });
export type IssuerKeyInput = z.infer<typeof IssuerKeyInput>;
