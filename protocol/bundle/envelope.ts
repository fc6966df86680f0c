import { z } from 'zod';
import { canonicalBytes } from '../crypto/canonical';
import { HPKE_SUITE } from '../hpke/suite';
import { MAX_SALES_PER_BUNDLE } from './constants';
import { DeviceId, Sha256B64, UtcTimestamp } from './sale';

const Seq = z.number().int().positive().safe();
const B64u = z.string().regex(/^[A-Za-z0-9_-]*$/, 'base64url without padding');

export const BundleHpke = z.strictObject({
  kem_id: z.literal(HPKE_SUITE.kem_id),
  kdf_id: z.literal(HPKE_SUITE.kdf_id),
  aead_id: z.literal(HPKE_SUITE.aead_id),
  /** Which published server key the payload was sealed to, so keys can rotate with bundles in flight. */
  server_key_id: z.string().min(1).max(64),
  enc: z.string().regex(/^[A-Za-z0-9_-]{43}$/, '32 bytes of base64url'),
});

/**
 * The body of POST /offline/push. The header (everything but `encrypted_payload` and `signature`)
 * is readable without the server key so it can be routed, rate limited and deduplicated first; it is
 * bound to the ciphertext as HPKE aad and to the device by the signature.
 */
export const BundleEnvelope = z.strictObject({
  v: z.literal(1),
  device_id: DeviceId,
  bundle_id: z.uuid(),
  device_clock: UtcTimestamp,
  nonce: z.string().regex(/^[A-Za-z0-9_-]{21}[AQgw]$/, '16 bytes of base64url'),
  seq_from: Seq,
  seq_to: Seq,
  chain_head: Sha256B64,
  sales_count: z.number().int().min(1).max(MAX_SALES_PER_BUNDLE),
  hpke: BundleHpke,
  // 28 MB of base64url is ~20 MB of sales: far above 500 sales, far below a memory problem.
  encrypted_payload: B64u.min(22).max(28_000_000),
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'Ed25519 signature, base64url'),
});
export type BundleEnvelope = z.infer<typeof BundleEnvelope>;
export type BundleHeader = Omit<BundleEnvelope, 'encrypted_payload' | 'signature'>;
export type UnsignedBundleEnvelope = Omit<BundleEnvelope, 'signature'>;

export function bundleHeader(envelope: BundleHeader | BundleEnvelope | UnsignedBundleEnvelope): BundleHeader {
  const { v, device_id, bundle_id, device_clock, nonce, seq_from, seq_to, chain_head, sales_count, hpke } =
    envelope;
  return { v, device_id, bundle_id, device_clock, nonce, seq_from, seq_to, chain_head, sales_count, hpke };
}

/** The HPKE aad: canonical JSON of the header, so a ciphertext cannot be replayed under another header. */
export function bundleAad(envelope: BundleHeader | BundleEnvelope | UnsignedBundleEnvelope): Buffer {
  return canonicalBytes(bundleHeader(envelope));
}

/** What the device signs: the whole envelope but the signature itself. */
export function signedEnvelope(envelope: BundleEnvelope | UnsignedBundleEnvelope): UnsignedBundleEnvelope {
  const { signature: _signature, ...rest } = envelope as BundleEnvelope;
  return rest;
}
