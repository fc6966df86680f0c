import type { KeyObject } from 'node:crypto';
import { verifyCanonical } from '../crypto/ed25519';
import { HpkeOpenError } from '../hpke/errors';
import { openWith } from '../hpke/seal';
import { startHead } from './build';
import { verifyChain } from './chain';
import { saleRuleIssues, type SaleIssue } from './check-sale';
import { BUNDLE_HPKE_INFO } from './constants';
import { bundleAad, BundleEnvelope, signedEnvelope } from './envelope';
import { BundleError } from './errors';
import { BundlePayload } from './payload';
import type { Sale } from './sale';

export interface OpenedBundle {
  envelope: BundleEnvelope;
  payload: BundlePayload;
  /**
   * Sales that are well formed and chained but fail checkSale's arithmetic or card-number rules.
   * They are signed evidence, so the bundle is not refused for them: the server records and flags them.
   */
  invalidSales: { index: number; sale_id: string; issues: SaleIssue[] }[];
}

/**
 * Server side. Checks in a fixed order, cheapest and least revealing first, and throws a
 * BundleError for the first failure: schema (INVALID_BUNDLE), device signature (INVALID_SIGNATURE),
 * decryption (DECRYPTION_FAILED), header/payload agreement (BUNDLE_MISMATCH), chain (SEQUENCE_GAP,
 * CHAIN_BROKEN). Clock skew, nonce reuse, bundle age, the stored chain head and policy are the
 * server's, which holds the state they need.
 */
export async function openBundle(
  input: unknown,
  keys: { devicePublicKey: KeyObject; serverPrivateKey: Uint8Array },
): Promise<OpenedBundle> {
  const parsed = BundleEnvelope.safeParse(input);
  if (!parsed.success)
    throw new BundleError('INVALID_BUNDLE', 'envelope is malformed', { issues: parsed.error.issues });
  return openParsedBundle(parsed.data, keys);
}

/**
 * openBundle for an envelope the caller has already parsed with BundleEnvelope (the server does,
 * to find the device): the schema's regex over the whole ciphertext is not run twice.
 */
export async function openParsedBundle(
  envelope: BundleEnvelope,
  keys: { devicePublicKey: KeyObject; serverPrivateKey: Uint8Array },
): Promise<OpenedBundle> {
  if (!verifyCanonical(keys.devicePublicKey, signedEnvelope(envelope), envelope.signature))
    throw new BundleError('INVALID_SIGNATURE', 'device signature does not verify');

  let plaintext: Uint8Array;
  try {
    plaintext = await openWith(
      keys.serverPrivateKey,
      { enc: envelope.hpke.enc, ciphertext: Buffer.from(envelope.encrypted_payload, 'base64url') },
      { info: BUNDLE_HPKE_INFO, aad: bundleAad(envelope) },
    );
  } catch (error) {
    if (error instanceof HpkeOpenError)
      throw new BundleError('DECRYPTION_FAILED', 'payload does not decrypt with this server key', {
        server_key_id: envelope.hpke.server_key_id,
      });
    throw error;
  }

  let json: unknown;
  try {
    // A view of the plaintext, not a copy of it.
    json = JSON.parse(
      Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength).toString('utf8'),
    );
  } catch {
    throw new BundleError('INVALID_BUNDLE', 'payload is not JSON');
  }
  const payloadResult = BundlePayload.safeParse(json);
  if (!payloadResult.success)
    throw new BundleError('INVALID_BUNDLE', 'payload is malformed', { issues: payloadResult.error.issues });
  const payload = payloadResult.data;

  const mismatch = headerMismatch(envelope, payload);
  if (mismatch)
    throw new BundleError('BUNDLE_MISMATCH', `header and payload disagree on ${mismatch}`, {
      field: mismatch,
    });

  // Hashed as JSON.parse read them: the values the schema just checked, in the key order the
  // terminal wrote, which is canonical, so canonicalJson writes them without reordering.
  const received = (json as { sales: Sale[] }).sales;
  const chain = verifyChain(received, startHead(payload.seq_from, payload.prev_chain_head));
  if (!chain.ok) throw new BundleError(chain.code, 'sales do not form an unbroken chain', { ...chain });
  if (chain.head.hash !== payload.chain_head)
    throw new BundleError('CHAIN_BROKEN', 'chain_head is not the hash of the last sale', {
      expected: chain.head.hash,
      actual: payload.chain_head,
    });

  const invalidSales = payload.sales.flatMap((sale, index) => {
    // BundlePayload already parsed every sale with the Sale schema: only the rules are left to check.
    const issues = saleRuleIssues(sale);
    return issues.length === 0 ? [] : [{ index, sale_id: sale.sale_id, issues }];
  });
  return { envelope, payload, invalidSales };
}

function headerMismatch(envelope: BundleEnvelope, payload: BundlePayload): string | null {
  if (payload.device_id !== envelope.device_id) return 'device_id';
  if (payload.bundle_id !== envelope.bundle_id) return 'bundle_id';
  if (payload.seq_from !== envelope.seq_from) return 'seq_from';
  if (payload.seq_to !== envelope.seq_to) return 'seq_to';
  if (payload.chain_head !== envelope.chain_head) return 'chain_head';
  if (payload.sales.length !== envelope.sales_count) return 'sales_count';
  if (payload.seq_to - payload.seq_from + 1 !== payload.sales.length) return 'seq_to';
  const stranger = payload.sales.findIndex((s) => s.device_id !== envelope.device_id);
  if (stranger >= 0) return `sales[${stranger}].device_id`;
  return null;
}
