import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { canonicalBytes } from '../crypto/canonical';
import { signCanonical } from '../crypto/ed25519';
import { beginSeal } from '../hpke/seal';
import type { HpkePublicKey } from '../hpke/keys';
import { HPKE_SUITE } from '../hpke/suite';
import { verifyChain, type ChainHead } from './chain';
import { BUNDLE_HPKE_INFO, GENESIS_HASH, MAX_SALES_PER_BUNDLE } from './constants';
import { bundleAad, BundleEnvelope, type BundleHeader } from './envelope';
import { BundleError } from './errors';
import { BundlePayload } from './payload';
import { Sale } from './sale';

export interface BuildBundleInput {
  sales: readonly Sale[];
  deviceId: string;
  /** The device's Ed25519 private key. */
  deviceKey: KeyObject;
  /** The server's published X25519 key and its id. */
  serverPublicKey: HpkePublicKey;
  serverKeyId: string;
  /** saleHash of the sale before the first one here (GENESIS_HASH before seq 1). */
  prevChainHead: string;
  now: Date;
  /** Fixed only when re-sending must reuse an id; otherwise a fresh UUID. */
  bundleId?: string;
}

/**
 * Terminal side. Refuses to build what the server would refuse for structural reasons (schema,
 * wrong device, broken chain); sale arithmetic is not checked here because a recorded sale is already
 * chained and signed, and the server should see it and flag it rather than never receive it.
 */
export async function buildBundle(input: BuildBundleInput): Promise<BundleEnvelope> {
  const { deviceId, now } = input;
  if (input.sales.length < 1 || input.sales.length > MAX_SALES_PER_BUNDLE)
    throw new BundleError('INVALID_BUNDLE', `a bundle holds 1 to ${MAX_SALES_PER_BUNDLE} sales`);
  const sales = input.sales.map((s, i) => {
    const parsed = Sale.safeParse(s);
    if (!parsed.success)
      throw new BundleError('INVALID_BUNDLE', `sale ${i} is malformed`, {
        index: i,
        issues: parsed.error.issues,
      });
    if (parsed.data.device_id !== deviceId)
      throw new BundleError('BUNDLE_MISMATCH', `sale ${i} belongs to another device`, { index: i });
    return parsed.data;
  });
  const first = sales[0]!;
  const last = sales[sales.length - 1]!;
  const chain = verifyChain(sales, startHead(first.seq, input.prevChainHead));
  if (!chain.ok) throw new BundleError(chain.code, 'sales do not continue the chain', { ...chain });

  const timestamp = now.toISOString();
  const bundleId = input.bundleId ?? randomUUID();
  const payload: BundlePayload = BundlePayload.parse({
    v: 1,
    bundle_id: bundleId,
    device_id: deviceId,
    created_at: timestamp,
    seq_from: first.seq,
    seq_to: last.seq,
    prev_chain_head: input.prevChainHead,
    chain_head: chain.head.hash,
    sales,
  });

  const sealer = await beginSeal(input.serverPublicKey, BUNDLE_HPKE_INFO);
  const header: BundleHeader = {
    v: 1,
    device_id: deviceId,
    bundle_id: bundleId,
    device_clock: timestamp,
    nonce: randomBytes(16).toString('base64url'),
    seq_from: payload.seq_from,
    seq_to: payload.seq_to,
    chain_head: payload.chain_head,
    sales_count: sales.length,
    hpke: {
      kem_id: HPKE_SUITE.kem_id,
      kdf_id: HPKE_SUITE.kdf_id,
      aead_id: HPKE_SUITE.aead_id,
      server_key_id: input.serverKeyId,
      enc: sealer.enc,
    },
  };
  const ciphertext = await sealer.seal(canonicalBytes(payload), bundleAad(header));
  const unsigned = { ...header, encrypted_payload: Buffer.from(ciphertext).toString('base64url') };
  return BundleEnvelope.parse({ ...unsigned, signature: signCanonical(input.deviceKey, unsigned) });
}

/** Where a bundle's chain starts; seq 1 can only follow the genesis hash. */
export function startHead(seqFrom: number, prevChainHead: string): ChainHead {
  if (seqFrom === 1 && prevChainHead !== GENESIS_HASH)
    throw new BundleError('CHAIN_BROKEN', 'the first sale of a device follows the genesis hash', {
      expected: GENESIS_HASH,
      actual: prevChainHead,
    });
  return { seq: seqFrom - 1, hash: prevChainHead };
}
