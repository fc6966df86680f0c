import type { Policy } from '../../protocol/http';
import type { Statement } from '../db/inline';
import type { BundleRow, PushAnswer } from './store';

/** What a push's checks read from the database about the device and the bundle, all at once. */
export interface PushState {
  /** This device's stored bundle with this bundle_id (a bundle is (device_id, bundle_id)). */
  existing: { bundle_id: string; device_id: string; signature: string; push_answer: PushAnswer } | null;
  /** The nonce is held, unexpired, by another bundle of this device. */
  nonceUsed: boolean;
  /** A stored bundle of this device overlapping seq_from..seq_to. */
  overlap: boolean;
  /** The stored bundle just before seq_from, with its latest sale time. */
  previous: { seq_to: string; chain_head: string; last_sale_at: Date | null } | null;
  /** The stored bundle starting at seq_to + 1. */
  following: Pick<BundleRow, 'bundle_id' | 'prev_chain_head' | 'status' | 'reasons'> | null;
  /** Offline sales stored for this device per UTC day, on the days the bundle has offline sales. */
  offlineCountByDay: Map<string, number>;
  /**
   * Totals of the device's bundles stored since its last contact before the bundle's earliest sale
   * (migration 1795459640990): with this bundle's, what the terminal held unsynced at once.
   */
  roundTotals: { currency: string; total_minor: number }[][];
  /** The policy of the device's country, if there is one. */
  policy: Policy | null;
}

export interface PushStateRow {
  existing: PushState['existing'];
  nonce_used: boolean;
  overlap: boolean;
  previous: { seq_to: string; chain_head: string; last_sale_at: string | null } | null;
  following: PushState['following'];
  counts: { day: string; n: number }[] | null;
  round_totals: PushState['roundTotals'] | null;
  policy: (Omit<Policy, 'updated_at'> & { updated_at: string }) | null;
}

/**
 * The device's row, locked, and everything a push's checks read, in one call of
 * offline_push_begin (migration 1795459640940), whose plans PL/pgSQL keeps per session: every
 * round trip and every planning of a push costs CPU on the server and the database, which is what
 * bounds ingest. `device` is null when no such device is registered. bigints go through JSON as text.
 */
export function pushBeginStatement(q: {
  bundleId: string;
  deviceId: string;
  nonce: string;
  now: Date;
  seqFrom: number;
  seqTo: number;
  /** The UTC days ('2025-01-15') on which the bundle has offline sales, each once. */
  days: readonly string[];
  /** created_at of the bundle's earliest sale. */
  earliest: Date;
}): Statement {
  return {
    text: 'SELECT device, state FROM offline_push_begin($1, $2, $3, $4, $5, $6, $7::date[], $8)',
    values: [q.deviceId, q.bundleId, q.nonce, q.now, q.seqFrom, q.seqTo, q.days, q.earliest],
  };
}

export function toPushState(row: PushStateRow): PushState {
  return {
    existing: row.existing,
    nonceUsed: row.nonce_used,
    overlap: row.overlap,
    previous: row.previous && {
      ...row.previous,
      last_sale_at: row.previous.last_sale_at === null ? null : new Date(row.previous.last_sale_at),
    },
    following: row.following,
    offlineCountByDay: new Map((row.counts ?? []).map((c) => [c.day, c.n])),
    roundTotals: row.round_totals ?? [],
    // bigint columns arrive as JSON numbers: the policy schema only lets safe integers in.
    policy: row.policy && { ...row.policy, updated_at: new Date(row.policy.updated_at).toISOString() },
  };
}
