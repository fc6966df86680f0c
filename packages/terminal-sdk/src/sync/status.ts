import { ApiError, type SyncStatus } from '../../../../protocol/api';
import type { OutboxDoc } from '../store';

/*
 * What the sync status says, from what the store counts and what the engine knows: pure functions
 * (sync-service.ts queries the store and calls these).
 */

export const EMPTY_COUNTS: SyncStatus['counts'] = {
  pending: 0,
  pushed: 0,
  accepted: 0,
  review: 0,
  quarantined: 0,
  reconciled: 0,
  rejected: 0,
};

/** A failure as the status shows it: its code and its message. */
export interface SyncFailure {
  code: string;
  message: string;
}

/** A failed push: when the same bundle goes again, or null for a final (signed) refusal. */
export interface PushFailure extends SyncFailure {
  retryAt: number | null;
  /** Nothing was sent: offline, or the local shop's server held. */
  held?: boolean;
}

/**
 * A failure RxDB's replication reports on error$: its RC_PUSH / RC_PULL wrap the handler's own
 * error (already in the status, so null), anything else (its meta storage failing) is shown.
 */
export function replicationFailure(error: unknown): SyncFailure | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'RC_PUSH' || code === 'RC_PULL') return null;
  return { code: 'INTERNAL', message: error instanceof Error ? error.message.slice(0, 300) : String(error) };
}

export function describe(error: unknown): SyncFailure {
  if (error instanceof ApiError) return { code: String(error.code), message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/** A bundle the server refused, as the status lists it. */
export function rejectedBundle(doc: OutboxDoc): SyncStatus['rejectedBundles'][number] {
  return {
    bundleId: doc.bundleId,
    seqFrom: doc.seqFrom,
    seqTo: doc.seqTo,
    code: doc.lastErrorCode ?? 'REJECTED',
    message: doc.lastError ?? '',
  };
}

export interface StatusFacts {
  enrolled: boolean;
  syncing: boolean;
  offline: boolean;
  counts: SyncStatus['counts'];
  rejectedBundles: SyncStatus['rejectedBundles'];
  /** Pending bundles whose next attempt is still ahead. */
  waiting: number;
  lastError: SyncFailure | null;
  lastSyncAt: string | null;
  nextRetryAt: number | null;
}

/** The one state shown, first that applies: not enrolled, syncing, blocked, offline, retrying, idle. */
export function syncState(
  f: Pick<StatusFacts, 'enrolled' | 'syncing' | 'offline' | 'rejectedBundles' | 'waiting'>,
): SyncStatus['state'] {
  if (!f.enrolled) return 'not_enrolled';
  if (f.syncing) return 'syncing';
  if (f.rejectedBundles.length > 0) return 'blocked';
  if (f.offline) return 'offline';
  if (f.waiting > 0) return 'retrying';
  return 'idle';
}

export function syncStatus(f: StatusFacts): SyncStatus {
  return {
    state: syncState(f),
    counts: f.counts,
    lastError: f.lastError?.message ?? null,
    lastErrorCode: f.lastError?.code ?? null,
    lastSyncAt: f.lastSyncAt,
    nextRetryAt: f.waiting > 0 && f.nextRetryAt ? new Date(f.nextRetryAt).toISOString() : null,
    rejectedBundles: f.rejectedBundles,
  };
}
