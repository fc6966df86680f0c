import { z } from 'zod';
import { Empty, type FeatureContract } from './feature';

/** Sync's part of the API contract: pushing recorded sales and pulling their outcomes. */

export const SyncStatus = z.object({
  state: z.enum(['not_enrolled', 'offline', 'idle', 'syncing', 'retrying', 'blocked']),
  counts: z.object({
    pending: z.number().int().min(0),
    pushed: z.number().int().min(0),
    accepted: z.number().int().min(0),
    review: z.number().int().min(0),
    quarantined: z.number().int().min(0),
    reconciled: z.number().int().min(0),
    rejected: z.number().int().min(0),
  }),
  /** In words, for the cashier; null once a sync round succeeds. */
  lastError: z.string().nullable(),
  lastErrorCode: z.string().nullable(),
  lastSyncAt: z.iso.datetime().nullable(),
  nextRetryAt: z.iso.datetime().nullable(),
  /** Bundles the server refused: never retried; later sales wait behind them. */
  rejectedBundles: z.array(
    z.object({
      bundleId: z.uuid(),
      seqFrom: z.number().int(),
      seqTo: z.number().int(),
      code: z.string(),
      message: z.string(),
    }),
  ),
});
export type SyncStatus = z.infer<typeof SyncStatus>;

export const syncApi = {
  commands: {
    /** Pushes pending sales and pulls outcomes now, whatever the backoff says; answers the status after. */
    'sync.now': { input: Empty, output: SyncStatus },
  },
  subscriptions: {
    'sync.status': { input: Empty, item: SyncStatus },
  },
} as const satisfies FeatureContract;
