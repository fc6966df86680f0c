import type { RxCollection } from 'rxdb';
import { z } from 'zod';
import type { SettingDoc } from '@outpost/terminal-sdk';
import type { TillAnchor } from '../trust/rollback-anchor';

/** Settings key of the lockout state, in the encrypted store beside the PIN hashes. */
export const LOCKOUT_KEY = 'pos.managerPinLockout';

/**
 * What survives a restart (issue #16): wrong attempts in a row and how much of a lock is left.
 * The lock is a duration, not a wall-clock deadline, and it runs down only on the process's
 * monotonic clock: moving the OS clock back or forward neither lifts nor shortens it, and a restart
 * resumes it from its last saved remainder (time with the app closed does not count).
 */
export const LockoutState = z.object({
  failures: z.number().int().nonnegative(),
  lockRemainingMs: z.number().nonnegative(),
});
export type LockoutState = z.infer<typeof LockoutState>;

const CLEAR: LockoutState = { failures: 0, lockRemainingMs: 0 };

export class PinLockout {
  private state: LockoutState | null = null;
  /** Monotonic time at which `state.lockRemainingMs` was last true. */
  private since = 0;

  constructor(
    private readonly settings: RxCollection<SettingDoc>,
    private readonly monotonic: () => number,
    /** The keychain's copy (trust/rollback-anchor.ts): a store put back from a copy does not unlock. */
    private readonly anchor?: Pick<TillAnchor, 'lockout' | 'saveLockout'>,
  ) {}

  /** Milliseconds of lock left now (0: not locked). */
  async remainingMs(): Promise<number> {
    const state = await this.load();
    return Math.max(0, state.lockRemainingMs - (this.monotonic() - this.since));
  }

  /**
   * Counts an attempt before its PIN is checked, so killing the app mid-check does not save it;
   * `succeeded` clears the count once the PIN matched.
   */
  async countAttempt(maxFailures: number, lockMs: number): Promise<void> {
    const remaining = await this.remainingMs();
    const failures = (this.state?.failures ?? 0) + 1;
    await this.save(
      failures >= maxFailures
        ? { failures: 0, lockRemainingMs: Math.max(remaining, lockMs) }
        : { failures, lockRemainingMs: remaining },
    );
  }

  /** The PIN matched: the count (and a lock this very attempt set, the caller checked none ran) clears. */
  async succeeded(): Promise<void> {
    await this.save(CLEAR);
  }

  /** Saves what is left of a running lock, so a restart resumes from here rather than from the start. */
  async checkpoint(): Promise<void> {
    const remaining = await this.remainingMs();
    if (this.state && remaining !== this.state.lockRemainingMs)
      await this.save({ ...this.state, lockRemainingMs: remaining });
  }

  private async load(): Promise<LockoutState> {
    if (this.state) return this.state;
    const doc = await this.settings.findOne(LOCKOUT_KEY).exec();
    const parsed = doc ? LockoutState.safeParse(JSON.parse(doc.value)) : null;
    // Unreadable state (it is in the encrypted store, so only a bug writes it) counts as a full lock.
    const stored = doc
      ? parsed?.success
        ? parsed.data
        : { failures: 0, lockRemainingMs: 5 * 60_000 }
      : CLEAR;
    // The stricter of the store's and the keychain's: an older store brought back cannot loosen it.
    const kept = this.anchor?.lockout() ?? CLEAR;
    this.state = {
      failures: Math.max(stored.failures, kept.failures),
      lockRemainingMs: Math.max(stored.lockRemainingMs, kept.lockRemainingMs),
    };
    this.since = this.monotonic();
    return this.state;
  }

  private async save(state: LockoutState): Promise<void> {
    this.state = state;
    this.since = this.monotonic();
    await this.settings.upsert({ key: LOCKOUT_KEY, value: JSON.stringify(state), updatedAt: Date.now() });
    await this.anchor?.saveLockout(state);
  }
}
