import { FRAUD_THRESHOLDS, type Sale } from '../../protocol/bundle';
import type { BundleStatus, Policy, ScoreReason } from '../../protocol/http';
import { cashVerdict, saleCash } from '../../protocol/cash-limits';
import { absurdCash } from './absurd-cash';

/**
 * The fraud score of a bundle: a sum of weighted reasons, capped at 1. Rules and weights are plain
 * and deterministic so ops can read why a bundle was held; the bands come from the payments seed
 * (FRAUD_THRESHOLDS): below 0.15 accepted, up to 0.35 review, above 0.35 quarantined.
 *
 * Weights are chosen so that one reason alone lands where it should:
 * - review (0.15–0.35): sequence gap, clock anomaly, daily count or unsynced total over the policy,
 *   strong velocity, a sale above approval_threshold whether or not it carries a manager override
 *   (APPROVAL_MISSING without one: a terminal that skipped the approval step; OVERRIDE_USED with
 *   one: the override is the terminal's word, the server cannot check the manager or the PIN, so a
 *   compromised terminal could write its own: held for a person, not posted);
 * - overrides on sales at or under the threshold add 0.02 each, uncapped: no number of them keeps a
 *   bundle under the review band;
 * - quarantine (> 0.35): an amount over the policy's maximum, a chain break, an invalid sale (also
 *   one whose cash is absurd, beyond 10 × what it had to cover and the policy's maximum: a typing
 *   accident, scored per sale, never a refusal of the bundle that would block the till), a
 *   refund or void that does not fit its original (more than remains, other currency or tenant,
 *   card or QR money back beyond what that tender paid, cash back beyond the cash the original left
 *   in the drawer without a manager override), a QR reused (twice in one sale too) or one the
 *   server's issuer keys do not verify, or expired at the sale, or living beyond the protocol's
 *   QR maximum lifetime (QR_TOKEN_INVALID), or one paying another terminal's request
 *   (QR_PAYEE_MISMATCH);
 * - review also: cash back beyond the cash the original took, with a manager override
 *   (OVERRIDE_USED at the above-threshold weight: the override is the terminal's word);
 * - review also: a QR tender without the QR to verify (a till from before the server checked) or
 *   whose key was withdrawn since (QR_UNVERIFIED); a QR-paid sale dated before its till was
 *   registered or before the till's earlier sales (QR_BACKDATED: an expired QR dated back into its
 *   validity);
 * - review also: a refund or void of a sale the server does not hold (yet: another terminal of the
 *   tenant may not have pushed it);
 * - review also: for a tenant whose cashiers the back office manages, a sale by no cashier or one
 *   its roster does not have (CASHIER_UNKNOWN), or by one disabled before the sale (CASHIER_DISABLED);
 * - accepted unless combined: amounts near the limit, mild velocity, repeated cards, a few overrides.
 */
export const WEIGHTS = {
  VELOCITY_HIGH: 0.1,
  VELOCITY_EXTREME: 0.2,
  AMOUNT_NEAR_LIMIT: 0.05,
  AMOUNT_OVER_LIMIT: 0.4,
  DAILY_COUNT_OVER_LIMIT: 0.2,
  UNSYNCED_TOTAL_OVER_LIMIT: 0.2,
  CLOCK_ANOMALY: 0.2,
  SEQUENCE_GAP: 0.2,
  CHAIN_BREAK: 0.4,
  REPEATED_CARD: 0.1,
  OVERRIDE_PER_SALE: 0.02,
  OVERRIDE_ABOVE_THRESHOLD: 0.2,
  INVALID_SALE: 0.4,
  REFUND_UNKNOWN_ORIGINAL: 0.2,
  REFUND_MISMATCH: 0.4,
  DUPLICATE_QR: 0.4,
  QR_TOKEN_INVALID: 0.4,
  QR_PAYEE_MISMATCH: 0.4,
  QR_UNVERIFIED: 0.2,
  QR_BACKDATED: 0.2,
  APPROVAL_MISSING: 0.2,
  CASHIER_UNKNOWN: 0.2,
  CASHIER_DISABLED: 0.2,
} as const;

/** A cashier rings up at most a few sales a minute; more in any 60 s window is unusual. */
export const TYPICAL_SALES_PER_MINUTE = 6;
/** "Near the limit": at or above this share of max_offline_amount. */
export const NEAR_LIMIT_RATIO = 0.9;
/** The same card token more often than this within one bundle. */
export const REPEATED_CARD_MAX = 3;
/** A sale timestamped this far after the device clock or the server clock is in the future. */
export const FUTURE_TOLERANCE_MS = 2 * 60_000;

/** What the server holds and found, beside the sales' own facts (SaleFacts). */
export interface ScoreContext {
  policy: Policy | null;
  deviceClock: Date;
  serverNow: Date;
  /** created_at of the latest sale the server holds from this device's earlier sequence numbers. */
  previousLastSaleAt: Date | null;
  /** Offline sales already stored for this device, per UTC day ('2025-01-15'). */
  storedOfflineCountByDay: ReadonlyMap<string, number>;
  /**
   * Sales totals, in the policy's currency, of the device's bundles stored since its last contact
   * before this bundle's earliest sale: they were unsynced together with this bundle's.
   */
  storedUnsyncedTotal: number;
  /** Sequence / chain findings against what the server holds and inside the bundle. */
  sequenceGap: string | null;
  chainBreak: string | null;
  invalidSales: readonly { index: number; sale_id: string; issues: readonly { code: string }[] }[];
  /** Refund / void findings against their originals (server/payments/refunds.ts); absent: none. */
  refunds?: { unknownOriginal: string | null; mismatch: string | null; cashOverride?: string | null };
  /** Customer QRs that already paid another sale (server/payments/qr-uses.ts); absent: none. */
  qrReuse?: string | null;
  /** QR tenders the server could not verify (server/payments/qr-tokens.ts); absent: none. */
  qrTokens?: {
    unverified: string | null;
    invalid: string | null;
    payee?: string | null;
    backdated?: string | null;
  };
  /**
   * Sales the server itself authorised online (server/payments/online-authorisations.ts): their
   * totals, in the policy's currency, are not offline and escape max_offline_amount and the
   * unsynced total; `refused` says why other sales' authorisations did not hold. Absent: none.
   */
  online?: { authorisedTotals: readonly number[]; refused: string | null };
  /** Sales' cashiers against the shop's roster (server/payments/cashiers.ts); absent: none. */
  cashiers?: { unknown: string | null; disabled: string | null };
}

/** `totals` without one occurrence of each of `remove` (a multiset difference). */
function without(totals: readonly number[], remove: readonly number[]): number[] {
  const left = [...totals];
  for (const total of remove) {
    const at = left.indexOf(total);
    if (at >= 0) left.splice(at, 1);
  }
  return left;
}

export interface Score {
  score: number;
  reasons: ScoreReason[];
  status: Exclude<BundleStatus, 'reconciled' | 'rejected'>;
}

export function statusFor(score: number): Score['status'] {
  if (score < FRAUD_THRESHOLDS.review) return 'accepted';
  if (score <= FRAUD_THRESHOLDS.quarantine) return 'review';
  return 'quarantined';
}

/** Sum of weights, capped at 1, rounded to 4 decimals so the bands are not at float's mercy. */
export function combine(reasons: readonly ScoreReason[]): number {
  const sum = reasons.reduce((acc, r) => acc + r.weight, 0);
  return Math.min(1, Math.round(sum * 10_000) / 10_000);
}

function peakPerMinute(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= 60_000) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/**
 * What scoring needs of a bundle's sales, gathered in one pass where the bundle is opened (an open
 * thread), so the event loop scores from a few figures instead of holding every parsed sale.
 *
 * "Offline" here means what the server can tell, not what the terminal says: the server authorises
 * no sale online, so every pushed sale is offline to it and counts against the offline limits. A
 * sale's `online: true` is the terminal's claim only; trusting it let a 1,000,000,000 XOF sale
 * through with score 0 (issue #16).
 */
export interface SaleCashier {
  cashier_id: string | null;
  sales: number;
  first_sale_id: string;
  latest_at: number;
  latest_sale_id: string;
  /** Every sale's time (ms) and id: checked one by one against the periods the cashier was disabled. */
  sold: [at: number, sale_id: string][];
}

export interface SaleFacts {
  /** Sales in the busiest 60 s window. */
  peakPerMinute: number;
  /** Totals of the sales of kind 'sale', per currency, whatever their `online` flag. */
  offlineSaleTotals: [currency: string, totals: number[]][];
  /** Totals of the sales of kind 'sale' that carry no manager override, per currency. */
  unapprovedSaleTotals: [currency: string, totals: number[]][];
  /** Totals of the sales of kind 'sale' that carry a manager override, per currency. */
  overriddenSaleTotals: [currency: string, totals: number[]][];
  /** Sales of any kind per UTC day ('2025-01-15'), whatever their `online` flag. */
  offlineByDay: [day: string, count: number][];
  /** Every currency a sale, refund or void of the bundle is in; the push refuses all but the policy's. */
  currencies: string[];
  /** A sale is timestamped before the one before it. */
  backwards: boolean;
  earliest: number;
  latest: number;
  /** For each card token used more than REPEATED_CARD_MAX times, how often. */
  repeatedCards: number[];
  overrides: number;
  /**
   * Per cashier the sales name (null: none), how many sales, refunds and voids, the first one's
   * sale_id and the latest one's time and sale_id: what server/payments/cashiers.ts checks against
   * the shop's roster.
   */
  cashiers: SaleCashier[];
  /**
   * Sales whose cash is above CASH_TOTAL_MULTIPLE × what cash had to cover (protocol/cash-limits.ts):
   * absurd when also above the policy's maximum: quarantined (absurdCash), named by sale.
   */
  cashBeyondMultiple: { sale_id: string; cash_minor: number; due_minor: number }[];
}

export function saleFacts(sales: readonly Sale[]): SaleFacts {
  const times = sales.map((s) => Date.parse(s.created_at));
  const totals = new Map<string, number[]>();
  const unapproved = new Map<string, number[]>();
  const overridden = new Map<string, number[]>();
  const perDay = new Map<string, number>();
  const tokens = new Map<string, number>();
  const currencies = new Set<string>();
  let overrides = 0;
  const cashiers = new Map<string | null, SaleCashier>();
  const cashBeyondMultiple: SaleFacts['cashBeyondMultiple'] = [];
  for (const s of sales) {
    currencies.add(s.currency);
    const cash = saleCash(s);
    if (cash && cashVerdict({ ...cash, maxMinor: 0 }) === 'absurd')
      cashBeyondMultiple.push({ sale_id: s.sale_id, cash_minor: cash.cashMinor, due_minor: cash.dueMinor });
    const day = s.created_at.slice(0, 10);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
    if (s.kind === 'sale') {
      const list = totals.get(s.currency);
      if (list) list.push(s.total_minor);
      else totals.set(s.currency, [s.total_minor]);
      const byOverride = s.override === undefined ? unapproved : overridden;
      byOverride.set(s.currency, [...(byOverride.get(s.currency) ?? []), s.total_minor]);
    }
    for (const t of s.tenders)
      if (t.card?.token) tokens.set(t.card.token, (tokens.get(t.card.token) ?? 0) + 1);
    if (s.override !== undefined) overrides++;
    const at = Date.parse(s.created_at);
    const cashier = cashiers.get(s.cashier_id ?? null);
    if (!cashier)
      cashiers.set(s.cashier_id ?? null, {
        cashier_id: s.cashier_id ?? null,
        sales: 1,
        first_sale_id: s.sale_id,
        latest_at: at,
        latest_sale_id: s.sale_id,
        sold: [[at, s.sale_id]],
      });
    else {
      cashier.sales++;
      cashier.sold.push([at, s.sale_id]);
      if (at >= cashier.latest_at) Object.assign(cashier, { latest_at: at, latest_sale_id: s.sale_id });
    }
  }
  return {
    peakPerMinute: peakPerMinute(times),
    offlineSaleTotals: [...totals],
    unapprovedSaleTotals: [...unapproved],
    overriddenSaleTotals: [...overridden],
    offlineByDay: [...perDay],
    currencies: [...currencies],
    backwards: times.some((t, i) => i > 0 && t < times[i - 1]!),
    earliest: Math.min(...times),
    latest: Math.max(...times),
    repeatedCards: [...tokens.values()].filter((n) => n > REPEATED_CARD_MAX),
    overrides,
    cashBeyondMultiple,
    cashiers: [...cashiers.values()],
  };
}

/** The bundle's score from its sales' facts (saleFacts) and what the server holds. */
export function scoreFacts(facts: SaleFacts, ctx: ScoreContext): Score {
  const reasons: ScoreReason[] = [];
  const add = (code: ScoreReason['code'], weight: number, detail: string) =>
    reasons.push({ code, weight, detail: detail.slice(0, 500) });
  const { policy } = ctx;
  /** Overridden sales above approval_threshold, said in the OVERRIDE_USED detail; '' if none. */
  let overriddenAbove = '';

  // Velocity: the busiest minute of the bundle against a cashier's typical pace.
  const peak = facts.peakPerMinute;
  if (peak > TYPICAL_SALES_PER_MINUTE * 5)
    add(
      'VELOCITY',
      WEIGHTS.VELOCITY_EXTREME,
      `${peak} sales within one minute (typical ${TYPICAL_SALES_PER_MINUTE})`,
    );
  else if (peak > TYPICAL_SALES_PER_MINUTE * 2)
    add(
      'VELOCITY',
      WEIGHTS.VELOCITY_HIGH,
      `${peak} sales within one minute (typical ${TYPICAL_SALES_PER_MINUTE})`,
    );

  if (policy) {
    // Amounts are compared in the policy's currency only: the push refuses a bundle with any other
    // (CURRENCY_NOT_ALLOWED) before scoring, so no amount escapes the limits by its currency.
    // A sale the server authorised online (never the sale's own `online` flag) is not offline.
    const offline = without(
      facts.offlineSaleTotals.find(([currency]) => currency === policy.currency)?.[1] ?? [],
      ctx.online?.authorisedTotals ?? [],
    );
    const over = offline.filter((total) => total > policy.max_offline_amount);
    const near = offline.filter(
      (total) => total <= policy.max_offline_amount && total >= policy.max_offline_amount * NEAR_LIMIT_RATIO,
    );
    if (over.length > 0)
      add(
        'AMOUNT_OVER_LIMIT',
        WEIGHTS.AMOUNT_OVER_LIMIT,
        `${over.length} sale(s) above max_offline_amount ${policy.max_offline_amount} ${policy.currency}${ctx.online?.refused ? `; ${ctx.online.refused}` : ''}`,
      );
    if (near.length > 0)
      add(
        'AMOUNT_NEAR_LIMIT',
        WEIGHTS.AMOUNT_NEAR_LIMIT,
        `${near.length} sale(s) within ${Math.round((1 - NEAR_LIMIT_RATIO) * 100)} % of max_offline_amount`,
      );

    // The terminal asks for a manager override above approval_threshold (docs/sync.md); a terminal
    // that skipped it (modified, or not ours) must not get its sale posted unseen. Nor one that
    // wrote an override: the manager id and PIN are checked on the till only, so the server cannot
    // tell a manager's approval from a compromised terminal's own (issue #16, M-A). Either way a
    // person reviews the sale; the override is shown to them as the terminal's claim.
    const aboveThreshold = (totals: SaleFacts['unapprovedSaleTotals']) =>
      (totals.find(([currency]) => currency === policy.currency)?.[1] ?? []).filter(
        (total) => total > policy.approval_threshold,
      );
    const unapproved = aboveThreshold(facts.unapprovedSaleTotals);
    const overridden = aboveThreshold(facts.overriddenSaleTotals).length;
    if (overridden > 0)
      overriddenAbove = `, ${overridden} on sale(s) above approval_threshold ${policy.approval_threshold} ${policy.currency}`;
    if (unapproved.length > 0)
      add(
        'APPROVAL_MISSING',
        WEIGHTS.APPROVAL_MISSING,
        `${unapproved.length} sale(s) above approval_threshold ${policy.approval_threshold} ${policy.currency} without a manager override`,
      );

    const overDays = facts.offlineByDay.filter(
      ([day, n]) => n + (ctx.storedOfflineCountByDay.get(day) ?? 0) > policy.max_offline_per_device_per_day,
    );
    if (overDays.length > 0)
      add(
        'DAILY_COUNT_OVER_LIMIT',
        WEIGHTS.DAILY_COUNT_OVER_LIMIT,
        `more than ${policy.max_offline_per_device_per_day} offline sales on ${overDays.map(([d]) => d).join(', ')}`,
      );

    // Not this bundle alone: cutting what was taken offline into small bundles must not help.
    const unsynced = ctx.storedUnsyncedTotal + offline.reduce((acc, total) => acc + total, 0);
    if (unsynced > policy.max_unsynced_amount)
      add(
        'UNSYNCED_TOTAL_OVER_LIMIT',
        WEIGHTS.UNSYNCED_TOTAL_OVER_LIMIT,
        `${unsynced} ${policy.currency} taken offline since the last push before it, above max_unsynced_amount ${policy.max_unsynced_amount}`,
      );
  }

  const clock: string[] = [];
  if (facts.backwards) clock.push('sale times go backwards');
  const latest = facts.latest;
  if (latest > ctx.deviceClock.getTime() + FUTURE_TOLERANCE_MS)
    clock.push('a sale is after the device clock');
  if (latest > ctx.serverNow.getTime() + FUTURE_TOLERANCE_MS) clock.push('a sale is in the future');
  if (ctx.previousLastSaleAt && facts.earliest < ctx.previousLastSaleAt.getTime())
    clock.push('a sale is older than the previous bundle');
  if (clock.length > 0) add('CLOCK_ANOMALY', WEIGHTS.CLOCK_ANOMALY, clock.join('; '));

  if (ctx.sequenceGap) add('SEQUENCE_GAP', WEIGHTS.SEQUENCE_GAP, ctx.sequenceGap);
  if (ctx.chainBreak) add('CHAIN_BREAK', WEIGHTS.CHAIN_BREAK, ctx.chainBreak);

  const repeated = facts.repeatedCards;
  // The detail names counts only: a card token is card data and never leaves the bundle.
  if (repeated.length > 0)
    add(
      'REPEATED_CARD',
      WEIGHTS.REPEATED_CARD,
      `${repeated.length} card(s) used more than ${REPEATED_CARD_MAX} times (max ${Math.max(...repeated)})`,
    );

  const overrides = facts.overrides;
  if (overrides > 0)
    add(
      'OVERRIDE_USED',
      Math.max(overriddenAbove ? WEIGHTS.OVERRIDE_ABOVE_THRESHOLD : 0, overrides * WEIGHTS.OVERRIDE_PER_SALE),
      `${overrides} manager override(s)${overriddenAbove}: claimed by the terminal, not verified by the server`,
    );

  const absurd = absurdCash(facts, ctx.policy);
  if (absurd) add('INVALID_SALE', WEIGHTS.INVALID_SALE, absurd);

  if (ctx.invalidSales.length > 0) {
    const codes = [...new Set(ctx.invalidSales.flatMap((s) => s.issues.map((i) => i.code)))];
    add(
      'INVALID_SALE',
      WEIGHTS.INVALID_SALE,
      `${ctx.invalidSales.length} sale(s) fail the sale rules: ${codes.join(', ')} (first at index ${ctx.invalidSales[0]!.index})`,
    );
  }

  if (ctx.refunds?.unknownOriginal)
    add('REFUND_UNKNOWN_ORIGINAL', WEIGHTS.REFUND_UNKNOWN_ORIGINAL, ctx.refunds.unknownOriginal);
  if (ctx.refunds?.mismatch) add('REFUND_MISMATCH', WEIGHTS.REFUND_MISMATCH, ctx.refunds.mismatch);
  // Cash the drawer never took, given back on the terminal's word that a manager approved: review.
  if (ctx.refunds?.cashOverride)
    add('OVERRIDE_USED', WEIGHTS.OVERRIDE_ABOVE_THRESHOLD, ctx.refunds.cashOverride);
  if (ctx.qrReuse) add('DUPLICATE_QR', WEIGHTS.DUPLICATE_QR, ctx.qrReuse);
  if (ctx.qrTokens?.invalid) add('QR_TOKEN_INVALID', WEIGHTS.QR_TOKEN_INVALID, ctx.qrTokens.invalid);
  if (ctx.qrTokens?.payee) add('QR_PAYEE_MISMATCH', WEIGHTS.QR_PAYEE_MISMATCH, ctx.qrTokens.payee);
  if (ctx.qrTokens?.unverified) add('QR_UNVERIFIED', WEIGHTS.QR_UNVERIFIED, ctx.qrTokens.unverified);
  if (ctx.qrTokens?.backdated) add('QR_BACKDATED', WEIGHTS.QR_BACKDATED, ctx.qrTokens.backdated);
  if (ctx.cashiers?.unknown) add('CASHIER_UNKNOWN', WEIGHTS.CASHIER_UNKNOWN, ctx.cashiers.unknown);
  if (ctx.cashiers?.disabled) add('CASHIER_DISABLED', WEIGHTS.CASHIER_DISABLED, ctx.cashiers.disabled);

  const score = combine(reasons);
  return { score, reasons, status: statusFor(score) };
}
