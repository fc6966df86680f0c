import type pg from 'pg';
import type { ScoreReason } from '../../protocol/http';
import type { BundleState } from '../../protocol/states';
import { deviceChangeCte } from '../db/change-counters';
import type { Statement } from '../db/inline';
import { combine, statusFor } from './score';

/**
 * Every change of a stored bundle's status (`offline_tx_bundles.status`) goes through this module:
 * the table says which state may follow which and who may cause it, and the statements that write
 * a status live here. Each also numbers the change from the device's pull counter in the same
 * statement (server/db/change-counters.ts), so the till's next pull brings it. The till's names for the same states: protocol/states.ts.
 */

/** Who changes a bundle's status. */
export type BundleActor =
  /** POST /offline/push stores the bundle with its score's status. */
  | 'push'
  /** A later push fills the sequence gap a held bundle was waiting on: it is scored again. */
  | 'gap_resolved'
  /** The reconciliation worker posts the bundle to the ledger. */
  | 'worker_posted'
  /** The worker finds at posting that a refund or void no longer fits: the bundle goes back to ops. */
  | 'worker_refund_held'
  /** An operator's review decision (POST /offline/review/:bundle_id). */
  | 'reviewer'
  /** A later push claims the same customer QR as a sale of this held bundle: DUPLICATE_QR added. */
  | 'qr_reused';

export interface BundleTransition {
  /** null: the bundle did not exist (it is being stored). */
  from: BundleState | null;
  to: BundleState;
  by: BundleActor;
}

const HELD = ['review', 'quarantined'] as const;
const SCORED = ['accepted', 'review', 'quarantined'] as const;
const all = (
  from: readonly (BundleState | null)[],
  to: readonly BundleState[],
  by: BundleActor,
): BundleTransition[] => from.flatMap((f) => to.map((t) => ({ from: f, to: t, by })));

/**
 * The whole table. `reconciled` and `rejected` are final: nothing leaves them. A push that is
 * refused stores nothing, so it is no transition; `rejected` is only ever a reviewer's decision.
 */
export const BUNDLE_TRANSITIONS: readonly BundleTransition[] = [
  ...all([null], SCORED, 'push'),
  // The score without the gap may land anywhere, the same band included (the reason is still gone).
  ...all(HELD, SCORED, 'gap_resolved'),
  { from: 'accepted', to: 'reconciled', by: 'worker_posted' },
  ...all(['accepted'], HELD, 'worker_refund_held'),
  ...all(HELD, ['accepted', 'rejected'], 'reviewer'),
  // A reason is added, never removed: the bundle stays held (rescore).
  ...all(HELD, HELD, 'qr_reused'),
];

export function mayTransition(from: BundleState | null, to: BundleState, by: BundleActor): boolean {
  return BUNDLE_TRANSITIONS.some((t) => t.from === from && t.to === to && t.by === by);
}

/** Throws unless the table allows it: a bug, never a client's mistake (the callers check first). */
export function checkTransition(from: BundleState | null, to: BundleState, by: BundleActor): void {
  if (!mayTransition(from, to, by))
    throw new Error(`bundle state ${from ?? '(new)'} -> ${to} is not allowed for ${by}`);
}

/**
 * Why a reason was added, where that decides what later removes it: recorded with the reason as
 * data (never read back from its text). The route schemas drop it from every answer (ScoreReason
 * declares no such field), so clients see the same reasons as before.
 */
export type ReasonOrigin =
  /** SEQUENCE_GAP because the server held sales only up to before this bundle: a later push clears it. */
  | 'held_gap'
  /** REFUND_MISMATCH found when posting: replaced by the next posting check's own. */
  | 'posting';
export type StoredReason = ScoreReason & { origin?: ReasonOrigin };

export function withOrigin(reason: ScoreReason, origin: ReasonOrigin): StoredReason {
  return { ...reason, origin };
}

export function withoutOrigin(reasons: readonly StoredReason[], origin: ReasonOrigin): StoredReason[] {
  return reasons.filter((r) => r.origin !== origin);
}

/** A held bundle's reasons changed: its new score and status (the same statement for every actor). */
export async function rescore(
  client: pg.PoolClient,
  bundle: { device_id: string; bundle_id: string; status: BundleState },
  reasons: readonly StoredReason[],
  by: 'gap_resolved' | 'worker_refund_held' | 'qr_reused',
): Promise<{ score: number; status: BundleState }> {
  const score = combine(reasons);
  const banded = statusFor(score);
  // A refund held at posting goes back to ops even when its score alone would pass; so does a bundle
  // that gained a reason.
  const status = by !== 'gap_resolved' && banded === 'accepted' ? 'review' : banded;
  checkTransition(bundle.status, status, by);
  await client.query(
    `WITH ${deviceChangeCte('$5')}
     UPDATE offline_tx_bundles SET status = $2, sira_score = $3, reasons = $4, updated_at = now(),
       change_seq = (SELECT value FROM change) WHERE device_id = $5 AND bundle_id = $1`,
    [bundle.bundle_id, status, score, JSON.stringify(reasons), bundle.device_id],
  );
  return { score, status };
}

/** The worker posted an accepted bundle: sent with its COMMIT (server/worker/reconcile.ts). */
export function reconciledStatement(deviceId: string, bundleId: string): Statement {
  checkTransition('accepted', 'reconciled', 'worker_posted');
  return {
    text: `WITH ${deviceChangeCte('$1')}
           UPDATE offline_tx_bundles SET status = 'reconciled', reconciled_at = now(), updated_at = now(),
                   change_seq = (SELECT value FROM change) WHERE device_id = $1 AND bundle_id = $2`,
    values: [deviceId, bundleId],
  };
}

/** An operator's decision on a held bundle. */
export async function decideReview(
  client: pg.PoolClient,
  bundle: { device_id: string; bundle_id: string; status: BundleState },
  decision: { approve: boolean; userId: string; note: string },
): Promise<BundleState> {
  const to = decision.approve ? 'accepted' : 'rejected';
  checkTransition(bundle.status, to, 'reviewer');
  await client.query(
    `WITH ${deviceChangeCte('$5')}
     UPDATE offline_tx_bundles SET status = $2, reviewed_by = $3, reviewed_at = now(), review_note = $4,
             updated_at = now(), change_seq = (SELECT value FROM change) WHERE device_id = $5 AND bundle_id = $1`,
    [bundle.bundle_id, to, decision.userId, decision.note, bundle.device_id],
  );
  return to;
}

/** Whether an operator may decide on a bundle in this state (else REVIEW_NOT_PENDING). */
export const awaitsReview = (status: BundleState): boolean => mayTransition(status, 'accepted', 'reviewer');
