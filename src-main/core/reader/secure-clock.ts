import { z } from 'zod';
import type { VerifiedStatement } from '@outpost/terminal-sdk';

/** What survives a restart: the furthest time ever trusted and the last word from the server. */
export const SecureClockState = z.object({
  /** Server time minus system time at the last server contact (ms). */
  offsetMs: z.number(),
  /** The latest trusted time handed out (epoch ms): the clock never answers below it. */
  highWaterMs: z.number().int().nonnegative(),
  /** Server time of the last successful contact (epoch ms), null before the first. */
  lastCheckInMs: z.number().int().nonnegative().nullable(),
});
export type SecureClockState = z.infer<typeof SecureClockState>;

export interface SecureClockPersistence {
  load(): Promise<SecureClockState | null>;
  save(state: SecureClockState): Promise<void>;
}

export interface SecureClockSources {
  /** Wall clock (epoch ms): the OS clock, which the user may set to anything. */
  system: () => number;
  /** A clock that only moves forward within this process (ms, any origin). */
  monotonic: () => number;
  /**
   * True while the store was put back from an older copy and the licence states are not fresh
   * from the server yet (trust/rollback-anchor.ts): no check-in counts, so no offline grace is left.
   */
  suspended?: () => boolean;
}

/** High-water writes on plain reads are batched: losing the last minute on a crash gains a cheat little. */
const PERSIST_EVERY_MS = 60_000;

/**
 * A clock the user cannot wind back to extend a licence (issue #5). Trusted now is the later of
 * (system time + server offset) and (high-water mark + monotonic time since it was set in this
 * process). Winding the system clock back is clamped at the high-water mark and, within a run, the
 * monotonic clock keeps counting; winding it forward only brings expiry closer. Only a verified
 * server statement (server-statement.ts) re-anchors it, and never backwards (issue #16): a signed
 * time below the high-water mark leaves the mark where it is, so neither a fake server nor a
 * replayed genuine answer can reopen an expired licence.
 */
export class SecureClock {
  private state: SecureClockState;
  private monoAtHighWater: number;
  private lastPersistedMono = Number.NEGATIVE_INFINITY;
  private saving: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly sources: SecureClockSources,
    private readonly persistence: SecureClockPersistence,
    state: SecureClockState,
  ) {
    this.state = state;
    this.monoAtHighWater = sources.monotonic();
  }

  static async open(sources: SecureClockSources, persistence: SecureClockPersistence): Promise<SecureClock> {
    const stored = await persistence.load();
    const state = stored ?? { offsetMs: 0, highWaterMs: Math.max(0, sources.system()), lastCheckInMs: null };
    const clock = new SecureClock(sources, persistence, state);
    clock.now();
    return clock;
  }

  /** Trusted now (epoch ms). Moves the high-water mark up. */
  now(): number {
    const mono = this.sources.monotonic();
    const bySystem = this.sources.system() + this.state.offsetMs;
    const byHighWater = this.state.highWaterMs + Math.max(0, mono - this.monoAtHighWater);
    const trusted = Math.floor(Math.max(bySystem, byHighWater));
    this.state = { ...this.state, highWaterMs: trusted };
    this.monoAtHighWater = mono;
    if (mono - this.lastPersistedMono >= PERSIST_EVERY_MS) this.persist(mono);
    return trusted;
  }

  /** Server time of the last successful contact, null if the server was never reached. */
  get lastCheckIn(): number | null {
    return this.sources.suspended?.() ? null : this.state.lastCheckInMs;
  }

  /**
   * A verified server statement: a check-in now, and the offset to the server's time. The high-water
   * mark only rises: a signed time earlier than it (the OS clock had run ahead) moves nothing back;
   * the offline grace still restarts, since the server did answer.
   */
  async serverContact(statement: VerifiedStatement): Promise<void> {
    const serverMs = Date.parse(statement.server_time);
    if (!Number.isFinite(serverMs) || serverMs < 0) return;
    // The statement answers this very request (its nonce), so contact happened now, by our clock.
    const anchored = Math.max(this.now(), Math.floor(serverMs));
    this.state = {
      offsetMs: serverMs - this.sources.system(),
      highWaterMs: anchored,
      lastCheckInMs: anchored,
    };
    this.monoAtHighWater = this.sources.monotonic();
    this.persist(this.monoAtHighWater);
    await this.saving;
  }

  snapshot(): SecureClockState {
    return { ...this.state };
  }

  /** Writes the current state and waits for every pending write. */
  async flush(): Promise<void> {
    this.persist(this.sources.monotonic());
    await this.saving;
  }

  /** Last write, then no more: the store is about to close. Reading still works. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private persist(mono: number): void {
    if (this.closed) return;
    this.lastPersistedMono = mono;
    const state = { ...this.state };
    // Writes are chained so an older state never lands after a newer one.
    this.saving = this.saving
      .then(() => this.persistence.save(state))
      .catch((error: unknown) => console.warn('[reader] the secure clock could not be saved', error));
  }
}

/** The process's monotonic clock: unaffected by changes to the system time. */
export const processMonotonic = (): number => performance.now();
