import type { Policy } from '../../protocol/http';
import type { Statement } from '../db/inline';
import type { BundleRow, PushAnswer } from './store';

/** What a push's checks read from the database about the device and the bundle, all at once. */
export interface PushState {
  /** A stored bundle with this bundle_id (any device). */
  existing: { bundle_id: string; device_id: string; signature: string; push_answer: PushAnswer } | null;
  /** The nonce is held, unexpired, by another bundle of this device. */
  nonceUsed: boolean;
  /** A stored bundle of this device overlapping seq_from..seq_to. */
  overlap: boolean;
  /** A sale of this bundle is already stored (under any bundle). */
  knownSale: boolean;
  /** The stored bundle just before seq_from, with its latest sale time. */
  previous: { seq_to: string; chain_head: string; last_sale_at: Date | null } | null;
  /** The stored bundle starting at seq_to + 1. */
  following: Pick<BundleRow, 'bundle_id' | 'prev_chain_head' | 'status' | 'reasons'> | null;
  /** Offline sales stored for this device per UTC day, over the bundle's days. */
  offlineCountByDay: Map<string, number>;
  /** The policy of the device's country, if there is one. */
  policy: Policy | null;
}

export interface PushStateRow {
  existing: PushState['existing'];
  nonce_used: boolean;
  overlap: boolean;
  known_sale: boolean;
  previous: { seq_to: string; chain_head: string; last_sale_at: string | null } | null;
  following: PushState['following'];
  counts: { day: string; n: number }[] | null;
  policy: (Omit<Policy, 'updated_at'> & { updated_at: string }) | null;
}

/**
 * One statement instead of eight: every round trip of a push costs CPU on the server and the
 * database, which is what bounds ingest. Run it after the device row lock (a later statement, so
 * its snapshot already sees whatever a concurrent push of the same device committed). bigints go
 * through JSON as text. The policy is the one of the device's country.
 */
export function pushStateStatement(q: {
  bundleId: string;
  deviceId: string;
  nonce: string;
  now: Date;
  seqFrom: number;
  seqTo: number;
  saleIds: string[];
  firstDay: string;
  lastDay: string;
}): Statement {
  return {
    text: `SELECT
       (SELECT json_build_object('bundle_id', b.bundle_id, 'device_id', b.device_id, 'signature', b.signature,
                                 'push_answer', b.push_answer)
        FROM offline_tx_bundles b WHERE b.bundle_id = $1) AS existing,
       EXISTS (SELECT 1 FROM offline_bundle_nonces
               WHERE device_id = $2 AND nonce = $3 AND expires_at > $4) AS nonce_used,
       EXISTS (SELECT 1 FROM offline_tx_bundles
               WHERE device_id = $2 AND seq_from <= $6 AND seq_to >= $5) AS overlap,
       EXISTS (SELECT 1 FROM offline_transactions WHERE sale_id = ANY($7::uuid[])) AS known_sale,
       (SELECT json_build_object('seq_to', b.seq_to::text, 'chain_head', b.chain_head, 'last_sale_at',
                 (SELECT max(t.created_at) FROM offline_transactions t WHERE t.bundle_id = b.bundle_id))
        FROM offline_tx_bundles b WHERE b.device_id = $2 AND b.seq_to < $5
        ORDER BY b.seq_to DESC LIMIT 1) AS previous,
       (SELECT json_build_object('bundle_id', b.bundle_id, 'prev_chain_head', b.prev_chain_head,
                                 'status', b.status, 'reasons', b.reasons)
        FROM offline_tx_bundles b WHERE b.device_id = $2 AND b.seq_from = $6 + 1) AS following,
       (SELECT json_agg(json_build_object('day', c.day, 'n', c.n)) FROM (
          SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)::int AS n
          FROM offline_transactions
          WHERE device_id = $2 AND NOT online AND created_at >= $8::timestamptz
            AND created_at < $9::timestamptz + interval '1 day'
          GROUP BY 1) c) AS counts,
       (SELECT json_build_object('country', p.country, 'currency', p.currency,
                 'max_offline_amount', p.max_offline_amount,
                 'max_offline_per_device_per_day', p.max_offline_per_device_per_day,
                 'max_unsynced_amount', p.max_unsynced_amount, 'max_bundle_age_hours', p.max_bundle_age_hours,
                 'approval_threshold', p.approval_threshold, 'enabled', p.enabled, 'version', p.version,
                 'updated_at', p.updated_at)
        FROM offline_policies p
        WHERE p.country = (SELECT d.country FROM offline_devices d WHERE d.device_id = $2)) AS policy`,
    values: [
      q.bundleId,
      q.deviceId,
      q.nonce,
      q.now,
      q.seqFrom,
      q.seqTo,
      q.saleIds,
      `${q.firstDay}T00:00:00Z`,
      `${q.lastDay}T00:00:00Z`,
    ],
  };
}

export function toPushState(row: PushStateRow): PushState {
  return {
    existing: row.existing,
    nonceUsed: row.nonce_used,
    overlap: row.overlap,
    knownSale: row.known_sale,
    previous: row.previous && {
      ...row.previous,
      last_sale_at: row.previous.last_sale_at === null ? null : new Date(row.previous.last_sale_at),
    },
    following: row.following,
    offlineCountByDay: new Map((row.counts ?? []).map((c) => [c.day, c.n])),
    // bigint columns arrive as JSON numbers: the policy schema only lets safe integers in.
    policy: row.policy && { ...row.policy, updated_at: new Date(row.policy.updated_at).toISOString() },
  };
}
