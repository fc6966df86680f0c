import type { KeyObject } from 'node:crypto';
import {
  BUNDLE_HPKE_INFO,
  BundleError,
  BundlePayload,
  bundleAad,
  checkSale,
  openParsedBundle,
  type BundleEnvelope,
  type OpenedBundle,
} from '../../protocol/bundle';
import { openWith } from '../../protocol/hpke';
import { rawOkpPrivate } from '../../protocol/crypto/okp-raw';

export interface ServerOpenedBundle extends OpenedBundle {
  /**
   * Set when the sales inside the bundle do not chain (openBundle's SEQUENCE_GAP / CHAIN_BROKEN).
   * Such a bundle is signed and decrypts, so it is evidence: it is stored and flagged, not refused.
   */
  innerChain: { code: 'SEQUENCE_GAP' | 'CHAIN_BROKEN'; detail: string } | null;
}

/** The raw 32 bytes openBundle wants, from the server's X25519 KeyObject. */
export function rawX25519Private(key: KeyObject): Uint8Array {
  // Through DER, not JWK: a JWK export of a generated key can deadlock Node 20 (okp-raw.ts).
  return rawOkpPrivate(key);
}

/**
 * openParsedBundle (the push parsed the envelope already), except that a chain problem inside the bundle is returned as a flag. Every other
 * BundleError (schema, signature, decryption, header/payload mismatch) is rethrown as is. The
 * chain is checked last by openBundle, so when it fails the signature, decryption and header
 * agreement have all been verified: decrypting again here only recovers the payload.
 */
export async function openForServer(
  envelope: BundleEnvelope,
  keys: { devicePublicKey: KeyObject; serverPrivateKey: Uint8Array },
): Promise<ServerOpenedBundle> {
  try {
    return { ...(await openParsedBundle(envelope, keys)), innerChain: null };
  } catch (error) {
    if (!(error instanceof BundleError) || (error.code !== 'SEQUENCE_GAP' && error.code !== 'CHAIN_BROKEN'))
      throw error;
    const plaintext = await openWith(
      keys.serverPrivateKey,
      { enc: envelope.hpke.enc, ciphertext: Buffer.from(envelope.encrypted_payload, 'base64url') },
      { info: BUNDLE_HPKE_INFO, aad: bundleAad(envelope) },
    );
    const payload = BundlePayload.parse(JSON.parse(Buffer.from(plaintext).toString('utf8')));
    // A permutation of the range can be stored; a repeated or out-of-range seq cannot (it would
    // claim a sequence number another bundle owns).
    const seqs = new Set(payload.sales.map((s) => s.seq));
    const inRange = payload.sales.every((s) => s.seq >= payload.seq_from && s.seq <= payload.seq_to);
    if (seqs.size !== payload.sales.length || !inRange)
      throw new BundleError('INVALID_BUNDLE', 'sale sequence numbers are not the range seq_from..seq_to', {
        seq_from: payload.seq_from,
        seq_to: payload.seq_to,
      });
    const ids = new Set(payload.sales.map((s) => s.sale_id));
    if (ids.size !== payload.sales.length)
      throw new BundleError('INVALID_BUNDLE', 'a sale_id appears twice in the bundle');
    const invalidSales = payload.sales.flatMap((sale, index) => {
      const check = checkSale(sale);
      return check.ok ? [] : [{ index, sale_id: sale.sale_id, issues: check.issues }];
    });
    return {
      envelope,
      payload,
      invalidSales,
      innerChain: { code: error.code, detail: error.message },
    };
  }
}
