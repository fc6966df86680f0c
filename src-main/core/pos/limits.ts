import { ApiError } from '../../../protocol/api';
import { formatMoney } from '../../../protocol/money';
import type { Policy } from '../../../protocol/http/policies';

/**
 * The country's offline policy applied on the terminal before a sale is accepted (the server
 * applies it again). Precise rules, also in docs/sync.md:
 *
 * Never overridable:
 * - NOT_ENROLLED: the terminal is not enrolled as a POS (or was revoked);
 * - POLICY_DISABLED: no policy received for the country, or offline payments disabled there, or
 *   the policy is in another currency than the terminal's;
 * - LIMIT_AMOUNT: total > max_offline_amount, unless the server authorised this sale online
 *   (online-authorisation.ts): being reachable alone lifts nothing, the server's signed word does;
 * - LIMIT_OLDEST_UNSYNCED: the oldest sale the server has not accepted is max_bundle_age_hours old
 *   or older — the server refuses such bundles (BUNDLE_TOO_OLD), so taking more only adds to them.
 *
 * Overridable by a manager PIN:
 * - APPROVAL_REQUIRED: total > approval_threshold (and ≤ max_offline_amount, or authorised online)
 *   needs a manager;
 * - LIMIT_DAILY_COUNT: this terminal already took max_offline_per_device_per_day sales today (UTC);
 * - LIMIT_UNSYNCED_TOTAL: unsynced sale totals + this total > max_unsynced_amount;
 *   but these two only for a sale whose total ≤ approval_threshold: a manager may let a small sale
 *   through a count or exposure limit, never a large one.
 *   A sale authorised online is not offline exposure: its total is not added to the unsynced total.
 *
 * Limits apply to kind `sale`. Refunds and voids give money back within an original sale's amount,
 * so they only need enrollment and an enabled policy.
 */

export interface LimitState {
  totalMinor: number;
  currency: string;
  /** kind `sale` sales of this terminal since 00:00 UTC today. */
  salesToday: number;
  /** Σ totals of kind `sale` sales the server has not accepted, in `currency`. */
  unsyncedTotalMinor: number;
  /** created_at (epoch ms) of the oldest sale of any kind the server has not accepted. */
  oldestUnsyncedAt: number | null;
  now: number;
  /** The server was reachable: said in LIMIT_AMOUNT's details (docs/sync.md). */
  online?: boolean;
  /**
   * The sale is (to be) authorised by the server online (online-authorisation.ts): max_offline_amount
   * does not apply to it. Set only when the till is online and about to ask; the sale is recorded
   * only once the server's signed authorisation verified.
   */
  onlineAuthorised?: boolean;
}

export type LimitCode =
  | 'APPROVAL_REQUIRED'
  | 'LIMIT_DAILY_COUNT'
  | 'LIMIT_UNSYNCED_TOTAL'
  | 'LIMIT_AMOUNT'
  | 'LIMIT_OLDEST_UNSYNCED';

export interface LimitBreach {
  code: LimitCode;
  message: string;
  overridable: boolean;
  details: Record<string, unknown>;
}

export const HOUR_MS = 3_600_000;

export function enrollmentRefusal(state: string, mode: string | null): ApiError | null {
  if (state === 'revoked')
    return new ApiError(
      'NOT_ENROLLED',
      'This terminal has been removed from service by the server: it cannot take payments.',
    );
  if (state !== 'enrolled' || mode !== 'pos')
    return new ApiError(
      'NOT_ENROLLED',
      'This terminal is not enrolled yet: enroll it before taking payments.',
    );
  return null;
}

export function policyRefusal(policy: Policy | null, currency: string): ApiError | null {
  if (!policy)
    return new ApiError(
      'POLICY_DISABLED',
      'No offline payment rules have been received for this country yet: connect to the server once.',
    );
  if (!policy.enabled)
    return new ApiError('POLICY_DISABLED', `Offline payments are turned off for ${policy.country}.`);
  if (policy.currency !== currency)
    return new ApiError(
      'POLICY_DISABLED',
      `The payment rules are in ${policy.currency} but this terminal sells in ${currency}.`,
    );
  return null;
}

function money(minor: number, currency: string): string {
  return formatMoney(minor, currency, 'en');
}

/**
 * Why a sale above max_offline_amount was not authorised online: the till is `offline`; the server
 * `refused` it (or could not be asked); its answer was `unverified` (not signed for this request,
 * device, sale, amount and currency by the pinned key).
 */
export type OnlineRefusal = 'offline' | 'refused' | 'unverified';

const REFUSAL_WORDS: Record<OnlineRefusal, string> = {
  offline: 'the server is not reachable to authorise it online',
  refused: 'the server did not authorise it online',
  unverified: "the server's authorisation could not be verified, so it was not used",
};

/** LIMIT_AMOUNT, naming what happened to the online authorisation (`why`, and the server's words). */
export function amountBreach(
  policy: Policy,
  s: Pick<LimitState, 'totalMinor' | 'currency'>,
  why: OnlineRefusal,
  reason?: string,
): LimitBreach {
  return {
    code: 'LIMIT_AMOUNT',
    overridable: false,
    message: `This sale (${money(s.totalMinor, s.currency)}) is above the limit of ${money(policy.max_offline_amount, s.currency)} per sale taken offline, and ${REFUSAL_WORDS[why]}${reason ? ` (${reason})` : ''}.`,
    details: {
      limitMinor: policy.max_offline_amount,
      totalMinor: s.totalMinor,
      online: why !== 'offline',
      authorisation: why,
    },
  };
}

/** Every limit the sale breaks, hard ones first. */
export function limitBreaches(policy: Policy, s: LimitState): LimitBreach[] {
  const hard: LimitBreach[] = [];
  const soft: LimitBreach[] = [];
  const small = s.totalMinor <= policy.approval_threshold;
  const authorised = s.onlineAuthorised === true;
  if (s.totalMinor > policy.max_offline_amount && !authorised)
    hard.push(amountBreach(policy, s, s.online ? 'refused' : 'offline'));
  if (s.oldestUnsyncedAt !== null && s.now - s.oldestUnsyncedAt >= policy.max_bundle_age_hours * HOUR_MS)
    hard.push({
      code: 'LIMIT_OLDEST_UNSYNCED',
      overridable: false,
      message: `Sales older than ${policy.max_bundle_age_hours} hours have not reached the server: connect to the server before taking more.`,
      details: {
        maxAgeHours: policy.max_bundle_age_hours,
        oldestCreatedAt: new Date(s.oldestUnsyncedAt).toISOString(),
      },
    });
  if (!small && (s.totalMinor <= policy.max_offline_amount || authorised))
    soft.push({
      code: 'APPROVAL_REQUIRED',
      overridable: true,
      message: `Sales above ${money(policy.approval_threshold, s.currency)} need a manager's approval.`,
      details: { thresholdMinor: policy.approval_threshold, totalMinor: s.totalMinor },
    });
  if (s.salesToday >= policy.max_offline_per_device_per_day)
    soft.push({
      code: 'LIMIT_DAILY_COUNT',
      overridable: small,
      message: `This terminal has reached its ${policy.max_offline_per_device_per_day} sales for today${small ? ': a manager can approve more' : ''}.`,
      details: { limit: policy.max_offline_per_device_per_day, salesToday: s.salesToday },
    });
  if (s.unsyncedTotalMinor + (authorised ? 0 : s.totalMinor) > policy.max_unsynced_amount)
    soft.push({
      code: 'LIMIT_UNSYNCED_TOTAL',
      overridable: small,
      message: `Sales waiting for the server would exceed ${money(policy.max_unsynced_amount, s.currency)}${small ? ': a manager can approve this sale' : ': connect to the server first'}.`,
      details: { limitMinor: policy.max_unsynced_amount, unsyncedMinor: s.unsyncedTotalMinor },
    });
  return [...hard, ...soft.sort((a, b) => Number(a.overridable) - Number(b.overridable))];
}

/**
 * Throws the first breach a manager cannot lift; then, without an override, the first one left.
 * Returns the codes the override lifts (empty when none was needed).
 */
export function enforceLimits(policy: Policy, s: LimitState, hasOverride: boolean): LimitCode[] {
  const breaches = limitBreaches(policy, s);
  const blocking = breaches.find((b) => !b.overridable);
  if (blocking) throw breachError(blocking);
  if (breaches.length > 0 && !hasOverride) throw breachError(breaches[0]!);
  return breaches.map((b) => b.code);
}

export function breachError(b: LimitBreach): ApiError {
  return new ApiError(b.code, b.message, { ...b.details, overridable: b.overridable });
}

export function utcDayStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}
