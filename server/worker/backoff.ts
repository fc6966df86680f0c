/**
 * When a failed job runs again (issue #23, item 4): exponential backoff with jitter, so jobs that
 * failed together (a database blip, a full disk) do not all come back in the same second.
 *
 * The n-th failure waits base · 2^(n-1) seconds stretched by a random factor in [1, 1.5), capped:
 * each wait is longer than the one before until the cap (the smallest next wait, base · 2^n, is more
 * than the largest this one, 0.75 · base · 2^n), and the spread is up to half the wait.
 */
export interface Backoff {
  /** The first retry's wait before jitter, seconds. */
  baseSeconds: number;
  /** No wait is longer than this, seconds. */
  capSeconds: number;
}

/** `random` is Math.random unless a test injects one. */
export function retryDelaySeconds(
  failures: number,
  backoff: Backoff,
  random: () => number = Math.random,
): number {
  const exponential = backoff.baseSeconds * 2 ** Math.max(0, failures - 1);
  return Math.min(backoff.capSeconds, exponential * (1 + random() / 2));
}

/** Reconciliation: 5 s, 10 s, 20 s … at most 30 minutes between tries; 10 tries (~1.5 h), then a dead letter. */
export const RECONCILE_BACKOFF: Backoff = { baseSeconds: 5, capSeconds: 30 * 60 };
/** Encryption: the same curve; its jobs carry their own cap (offline_encryption_jobs.max_attempts, 5). */
export const ENCRYPTION_BACKOFF: Backoff = { baseSeconds: 5, capSeconds: 30 * 60 };
