import { ApiError } from '../../../../protocol/api';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0..1; tests pass a fixed function. */
  random?: () => number;
}

/**
 * Exponential backoff with "equal jitter": attempt n waits between half and all of
 * min(max, base × 2^(n−1)), so terminals coming back together do not push in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const r = (options.random ?? Math.random)();
  return Math.round(ceiling / 2 + (ceiling / 2) * r);
}

const RETRYABLE_CODES = new Set([
  'UNAVAILABLE',
  'SERVER_ERROR',
  'INTERNAL',
  'DB_UNAVAILABLE',
  'RATE_LIMITED',
  // A request-signature nonce collision or a clock just outside the window: a new signature fixes it.
  'INVALID_NONCE',
  // A push answer whose status the server did not sign (a proxy's): the same bytes go again (#16).
  'POLICY_STATEMENT_INVALID',
  // A push refusal the server did not sign (a squatter's, a proxy's): never final (#16, 12th pass M-A).
  'REFUSAL_UNVERIFIED',
]);

/**
 * Whether a failed push is worth sending again: the network, the server's own failures (5xx),
 * throttling (429) and timeouts (408). Any other 4xx is the server refusing this bundle: final,
 * once sync/push-refusal.ts has found it signed (an unsigned one arrives as REFUSAL_UNVERIFIED).
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  const status = (error.details as { status?: number } | undefined)?.status;
  if (status !== undefined)
    return status >= 500 || status === 429 || status === 408 || RETRYABLE_CODES.has(error.code);
  return RETRYABLE_CODES.has(error.code);
}

/** What becomes of a bundle whose push failed: sent again at `at`, or refused for good. */
export type PushVerdict = { retry: true; at: number } | { retry: false };

/**
 * The one place a failed push is judged (sync-service.ts applies the verdict): a retryable failure
 * waits out the backoff of its attempt number, counted from 1; any other is final.
 */
export function pushVerdict(
  error: unknown,
  attempts: number,
  options: BackoffOptions,
  now: number,
): PushVerdict {
  return isRetryable(error) ? { retry: true, at: now + backoffDelay(attempts, options) } : { retry: false };
}
