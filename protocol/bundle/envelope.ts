import { z } from 'zod';
import { text } from '../text';
import { base64urlBytes, base64urlText } from '../crypto/base64url';
import { canonicalBytes } from '../crypto/canonical';
import { HPKE_SUITE } from '../hpke/suite';
import { MAX_SALES_PER_BUNDLE } from './constants';
import { DeviceId, LowerUuid, Sha256B64, UtcTimestamp } from './sale';

const Seq = z.number().int().positive().safe();

export const BundleHpke = z.strictObject({
  kem_id: z.literal(HPKE_SUITE.kem_id),
  kdf_id: z.literal(HPKE_SUITE.kdf_id),
  aead_id: z.literal(HPKE_SUITE.aead_id),
  /** Which published server key the payload was sealed to, so keys can rotate with bundles in flight. */
  server_key_id: text(64),
  enc: base64urlBytes(32),
});
export type BundleHpke = z.infer<typeof BundleHpke>;

/**
 * The body of POST /offline/push. The header (everything but `encrypted_payload` and `signature`)
 * is readable without the server key so it can be routed, rate limited and deduplicated first; it is
 * bound to the ciphertext as HPKE aad and to the device by the signature.
 */
export const BundleEnvelope = z.strictObject({
  v: z.literal(1),
  device_id: DeviceId,
  bundle_id: LowerUuid,
  device_clock: UtcTimestamp,
  nonce: base64urlBytes(16),
  seq_from: Seq,
  seq_to: Seq,
  chain_head: Sha256B64,
  sales_count: z.number().int().min(1).max(MAX_SALES_PER_BUNDLE),
  hpke: BundleHpke,
  // 28 MB of base64url is ~20 MB of sales: far above 500 sales, far below a memory problem.
  encrypted_payload: base64urlText({ min: 22, max: 28_000_000 }),
  // Canonical only: a re-spelled copy of a pushed signature must not pass as another bundle.
  signature: base64urlBytes(64, 'Ed25519 signature'),
});
export type BundleEnvelope = z.infer<typeof BundleEnvelope>;
export type BundleHeader = Omit<BundleEnvelope, 'encrypted_payload' | 'signature'>;
export type UnsignedBundleEnvelope = Omit<BundleEnvelope, 'signature'>;

/*
 * The header and the signed envelope are built with their keys in RFC 8785 order, so canonicalJson
 * writes them with JSON.stringify instead of reordering them: the signed envelope holds the whole
 * ciphertext, and `canonicalize` scans every string for lone surrogates in JavaScript.
 */

export function bundleHeader(envelope: BundleHeader | BundleEnvelope | UnsignedBundleEnvelope): BundleHeader {
  const { bundle_id, chain_head, device_clock, device_id, hpke, nonce, sales_count, seq_from, seq_to, v } =
    envelope;
  return {
    bundle_id,
    chain_head,
    device_clock,
    device_id,
    hpke: orderedHpke(hpke),
    nonce,
    sales_count,
    seq_from,
    seq_to,
    v,
  };
}

function orderedHpke({ aead_id, enc, kdf_id, kem_id, server_key_id }: BundleHpke): BundleHpke {
  return { aead_id, enc, kdf_id, kem_id, server_key_id };
}

/** The HPKE aad: canonical JSON of the header, so a ciphertext cannot be replayed under another header. */
export function bundleAad(envelope: BundleHeader | BundleEnvelope | UnsignedBundleEnvelope): Buffer {
  return canonicalBytes(bundleHeader(envelope));
}

/** What the device signs: the whole envelope but the signature itself. */
export function signedEnvelope(envelope: BundleEnvelope | UnsignedBundleEnvelope): UnsignedBundleEnvelope {
  const { bundle_id, chain_head, device_clock, device_id, encrypted_payload, hpke, nonce } = envelope;
  const { sales_count, seq_from, seq_to, v } = envelope;
  return {
    bundle_id,
    chain_head,
    device_clock,
    device_id,
    encrypted_payload,
    hpke: orderedHpke(hpke),
    nonce,
    sales_count,
    seq_from,
    seq_to,
    v,
  };
}
