import { readFileSync } from 'node:fs';
import { uptime } from 'node:os';
import type { RxCollection } from 'rxdb';
import { distinctUntilChanged, map, skip, timer, type Observable } from 'rxjs';
import type { TillClockView } from '../../../protocol/api';
import { MAX_CLOCK_SKEW_MS } from '../../../protocol/bundle/constants';
import { z } from 'zod';
import { processMonotonic } from '../reader/secure-clock';
import { decodeSetting, encodeSetting, type SettingDoc } from '@outpost/terminal-sdk';

/** What survives a restart: the offset to the server's signed time and the furthest time handed out. */
export const TillClockState = z.object({
  /** Server time minus system time at the last verified contact (ms). */
  offsetMs: z.number(),
  /** The latest time handed out (epoch ms): after a restart the clock never answers below it. */
  highWaterMs: z.number().int().nonnegative(),
  /** The boot the mark was saved in and the machine's uptime then: within one boot, real time since. */
  boot: z.object({ id: z.string().max(64).nullable(), uptimeMs: z.number().nonnegative() }).optional(),
});
export type TillClockState = z.infer<typeof TillClockState>;

export interface TillClockSources {
  /** The OS clock (epoch ms), which anyone at the till may set to anything. */
  system: () => number;
  /** A clock that only moves forward within this process (ms, any origin). */
  monotonic: () => number;
  /**
   * The machine's boot (Linux's boot_id, null where the OS has none) and its uptime (ms): both move
   * only with real time, whatever the OS clock says, across restarts of the app within one boot.
   */
  boot: () => { id: string | null; uptimeMs: number };
}

export interface TillClockPersistence {
  load(): Promise<TillClockState | null>;
  save(state: TillClockState): Promise<void>;
}

/** High-water writes on plain reads are batched: a crash loses at most this much of it. */
const PERSIST_EVERY_MS = 60_000;

/**
 * The till's one clock for money (issue #18 item 8, security review L1): the daily count, the
 * 72-hour limit, sale stamps and bundle stamps all read it, never the OS clock.
 *
 * Within a run it is an anchor plus the process's monotonic time: moving the OS clock either way
 * changes nothing. The anchor is the server's signed time at each verified contact (the pull or a
 * check-in: the statement answers this request's nonce, so it is neither forged nor replayed); at
 * start it is the OS clock plus the last offset to the server, but never below the high-water mark
 * saved before, so winding the clock back across a restart is clamped. Winding it forward across a
 * restart moves the clock forward, as a till switched off for that long would: it brings the
 * 72-hour limit closer and the server counts the sales by their stamps again (docs/sync.md).
 *
 * Unlike the reader's SecureClock (which only needs "never earlier"), the server's time wins both
 * ways here: sale stamps must be the server's time for the server to take them (CLOCK_SKEW).
 */
export class TillClock {
  private anchorMs: number;
  private monoAtAnchor: number;
  private lastPersistedMono = Number.NEGATIVE_INFINITY;
  private saving: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly sources: TillClockSources,
    private readonly persistence: TillClockPersistence,
    private state: TillClockState,
  ) {
    this.anchorMs = TillClock.startAnchor(sources, state);
    this.monoAtAnchor = sources.monotonic();
  }

  /**
   * Where a run starts: in the boot the mark was saved in, the mark plus the uptime since (the OS
   * clock is not read at all); after a reboot, the OS clock plus the offset, never below the mark.
   */
  private static startAnchor(sources: TillClockSources, state: TillClockState): number {
    const boot = sources.boot();
    const saved = state.boot;
    const sameBoot =
      saved !== undefined &&
      (saved.id !== null && boot.id !== null ? saved.id === boot.id : boot.uptimeMs >= saved.uptimeMs);
    if (sameBoot) return state.highWaterMs + Math.max(0, boot.uptimeMs - saved.uptimeMs);
    return Math.max(sources.system() + state.offsetMs, state.highWaterMs);
  }

  /** `initialOffsetMs`: the offset known before this clock existed (the enrollment record's). */
  static async open(
    sources: TillClockSources,
    persistence: TillClockPersistence,
    initialOffsetMs = 0,
  ): Promise<TillClock> {
    const stored = await persistence.load();
    const clock = new TillClock(
      sources,
      persistence,
      stored ?? { offsetMs: initialOffsetMs, highWaterMs: 0 },
    );
    clock.now();
    return clock;
  }

  /** Trusted now (epoch ms). */
  now(): number {
    const mono = this.sources.monotonic();
    const trusted = Math.floor(this.anchorMs + Math.max(0, mono - this.monoAtAnchor));
    if (trusted > this.state.highWaterMs) this.state = { ...this.state, highWaterMs: trusted };
    if (mono - this.lastPersistedMono >= PERSIST_EVERY_MS) this.persist(mono);
    return trusted;
  }

  /** The OS clock minus trusted time (ms): positive when the OS clock is ahead. */
  skewMs(): number {
    return this.sources.system() - this.now();
  }

  /** A verified server time (epoch ms), read just now: the clock follows it, back or forward. */
  async serverContact(serverMs: number): Promise<void> {
    if (!Number.isFinite(serverMs) || serverMs < 0) return;
    this.anchorMs = Math.floor(serverMs);
    this.monoAtAnchor = this.sources.monotonic();
    this.state = {
      ...this.state,
      offsetMs: this.anchorMs - this.sources.system(),
      highWaterMs: this.anchorMs,
    };
    this.persist(this.monoAtAnchor);
    await this.saving;
  }

  snapshot(): TillClockState {
    return { ...this.state };
  }

  /** Last write, then no more: the store is about to close. Reading still works. */
  async close(): Promise<void> {
    // The mark moved up to this moment, so that it and the uptime saved with it agree.
    this.now();
    this.persist(this.sources.monotonic());
    await this.saving;
    this.closed = true;
  }

  private persist(mono: number): void {
    if (this.closed) return;
    this.lastPersistedMono = mono;
    // The boot's uptime now goes with the mark just handed out (now() set it a moment ago).
    const state = { ...this.state, boot: this.sources.boot() };
    // Chained so an older state never lands after a newer one.
    this.saving = this.saving
      .then(() => this.persistence.save(state))
      .catch((error: unknown) => console.warn('[pos] the till clock could not be saved', error));
  }
}

const CLOCK_SETTING = 'pos.clock';

/** The till clock's state in the encrypted store's settings (a damaged value counts as none). */
export function settingsClockPersistence(settings: RxCollection<SettingDoc>): TillClockPersistence {
  return {
    async load() {
      const doc = await settings.findOne(CLOCK_SETTING).exec();
      if (!doc) return null;
      const parsed = TillClockState.safeParse(decodeSetting(doc));
      return parsed.success ? parsed.data : null;
    },
    async save(state) {
      await settings.upsert({
        key: CLOCK_SETTING,
        value: encodeSetting(state),
        updatedAt: state.highWaterMs,
      });
    },
  };
}

/**
 * The till clock of a running core: its state in the settings, re-anchored at each verified server
 * contact. The pull and the check-in save the offset of the server's signed time to `Date.now`
 * (sync/pull.ts, device-service.ts) only after its statement verified, so a new offset is the
 * server's time now; the record's replayed current value at start is not a contact.
 */
export async function openTillClock(deps: {
  settings: RxCollection<SettingDoc>;
  system: () => number;
  offsets: Observable<number | null>;
  initialOffsetMs: number | null;
}): Promise<{ clock: TillClock; stop(): Promise<void> }> {
  const clock = await TillClock.open(
    { system: deps.system, monotonic: processMonotonic, boot: machineBoot },
    settingsClockPersistence(deps.settings),
    // Measured against Date.now; the system clock here may be a test's moved one.
    (deps.initialOffsetMs ?? 0) + Date.now() - deps.system(),
  );
  const sub = deps.offsets.pipe(skip(1), distinctUntilChanged()).subscribe((offset) => {
    if (offset !== null) void clock.serverContact(Date.now() + offset);
  });
  return {
    clock,
    async stop() {
      sub.unsubscribe();
      await clock.close();
    },
  };
}

/** The OS clock against the till's, every `tickMs`: what the status bar warns with. */
export function clockView(clock: TillClock, tickMs = 15_000): Observable<TillClockView> {
  return timer(0, tickMs).pipe(
    map(() => {
      const skewMs = Math.round(clock.skewMs());
      return { skewMs, warn: Math.abs(skewMs) > MAX_CLOCK_SKEW_MS };
    }),
    distinctUntilChanged((a, b) => a.warn === b.warn && Math.abs(a.skewMs - b.skewMs) < 60_000),
  );
}

let bootId: string | null | undefined;

/** Linux's boot id (read once) and the kernel's uptime, which setting the clock does not move. */
export function machineBoot(): { id: string | null; uptimeMs: number } {
  if (bootId === undefined) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().slice(0, 64) || null;
    } catch {
      bootId = null;
    }
  }
  return { id: bootId, uptimeMs: uptime() * 1000 };
}
