import { z } from 'zod';
import { MAX_SALES_PER_BUNDLE } from './constants';
import { DeviceId, LowerUuid, Sale, Sha256B64, UtcTimestamp } from './sale';

const Seq = z.number().int().positive().safe();

/** The plaintext sealed inside an envelope: a contiguous run of one device's chained sales. */
export const BundlePayload = z.strictObject({
  v: z.literal(1),
  bundle_id: LowerUuid,
  device_id: DeviceId,
  created_at: UtcTimestamp,
  seq_from: Seq,
  seq_to: Seq,
  /** Hash of the sale before seq_from (GENESIS_HASH when seq_from is 1). */
  prev_chain_head: Sha256B64,
  /** saleHash of the sale at seq_to. */
  chain_head: Sha256B64,
  sales: z.array(Sale).min(1).max(MAX_SALES_PER_BUNDLE),
});
export type BundlePayload = z.infer<typeof BundlePayload>;
