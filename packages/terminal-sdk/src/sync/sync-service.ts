import type { WithDeleted } from 'rxdb';
import { BehaviorSubject, distinctUntilChanged, map, type Observable, type Subscription } from 'rxjs';
import { ApiError, unlisted, type SyncStatus } from '../../../../protocol/api';
import { MAX_SALES_PER_BUNDLE } from '../../../../protocol/bundle/constants';
import { SALE_SYNC_STATE, STORED_SALE_STATES } from '../../../../protocol/states';
import { decodeSetting, encodeSetting, type OutboxDoc, type SaleDoc } from '../store';
import { backoffDelay, type BackoffOptions } from './backoff';
import type { SyncCollections, SyncDeps, SyncOptions } from './deps';
import { BundleExchange, CURSOR_KEY } from './exchange';
import { replicateSales, type PullCheckpoint, type SalesReplication } from './replication';
import {
  describe,
  EMPTY_COUNTS,
  rejectedBundle,
  replicationFailure,
  syncStatus,
  type PushFailure,
  type SyncFailure,
} from './status';

const afterMs = (fn: () => void, ms: number): (() => void) => {
  const handle = setTimeout(fn, ms);
  handle.unref();
  return () => clearTimeout(handle);
};

/** Bundles are at most this many sales (the format allows MAX_SALES_PER_BUNDLE). */
export const BUNDLE_SIZE = 100;
const LAST_SYNC_KEY = 'sync.payments.lastSyncAt';
/** What RxDB's retry says while the reachability monitor says offline (never shown). */
const OFFLINE = { code: 'UNAVAILABLE', message: 'Offline: waiting for the network.' };

export * from './deps';

/**
 * Sync on RxDB's replication protocol (replication.ts; docs/sync.md): RxDB calls the push handler
 * for every batch of changed sales and the pull handler on each RESYNC, and retries either after a
 * failure's jittered backoff. The push handler seals the next recorded sales, in seq order, into
 * bundles of ≤ 100 chained from the last bundle's head, each written to the outbox BEFORE it is
 * sent, so a crash, a lost answer or a batch split differently after a restart re-sends the very
 * same bytes. The pull handler brings policy, catalog, bundle outcomes and the server's signed time
 * page by page from the server's cursor.
 */
export class SyncService {
  private readonly status$ = new BehaviorSubject<SyncStatus>({
    state: 'idle',
    counts: EMPTY_COUNTS,
    lastError: null,
    lastErrorCode: null,
    lastSyncAt: null,
    nextRetryAt: null,
    rejectedBundles: [],
  });
  private replication: SalesReplication | null = null;
  /** Push and pull cycles run one at a time (RxDB calls push batches in parallel: upstream.ts). */
  private exclusive: Promise<unknown> = Promise.resolve();
  private running = 0;
  private kickQueued = false;
  private stopped = false;
  private intervalTimer: NodeJS.Timeout | undefined;
  private readonly subs: Subscription[] = [];
  private refreshQueued = false;
  /** Failures in a row that named no bundle backoff of their own (the network before any bundle). */
  private failuresInRow = 0;
  /** RxDB is waiting out the backoff of a failed push (its handler threw). */
  private retrying = false;
  /** The open push window (pushWindowMs): RxDB's push handler waits on `done`. */
  private window: { done: Promise<void>; release: () => void } | null = null;
  private lastError: SyncFailure | null = null;
  private lastSyncAt: string | null = null;
  private nextRetryAt: number | null = null;

  private readonly exchange: BundleExchange;

  constructor(private readonly deps: SyncDeps) {
    const { bundleSize, requestTimeoutMs, pullPageSize } = this.opts;
    this.exchange = new BundleExchange(
      deps,
      { bundleSize, requestTimeoutMs, pullPageSize, backoff: this.backoff },
      () => this.stopped,
    );
  }

  private get c(): SyncCollections {
    return this.deps.collections;
  }

  private get opts(): Required<Omit<SyncOptions, 'random' | 'pullPageSize' | 'schedule'>> &
    Pick<SyncOptions, 'random' | 'pullPageSize' | 'schedule'> {
    const o = this.deps.options ?? {};
    return {
      pushWindowMs: o.pushWindowMs ?? 0,
      schedule: o.schedule,
      backoffBaseMs: o.backoffBaseMs ?? 2_000,
      backoffMaxMs: o.backoffMaxMs ?? 5 * 60_000,
      intervalMs: o.intervalMs ?? 60_000,
      bundleSize: Math.min(o.bundleSize ?? BUNDLE_SIZE, MAX_SALES_PER_BUNDLE),
      requestTimeoutMs: o.requestTimeoutMs ?? 30_000,
      random: o.random,
      pullPageSize: o.pullPageSize,
    };
  }

  private get backoff(): BackoffOptions {
    const { backoffBaseMs, backoffMaxMs, random } = this.opts;
    return { baseMs: backoffBaseMs, maxMs: backoffMaxMs, ...(random ? { random } : {}) };
  }

  get changes(): Observable<SyncStatus> {
    return this.status$.pipe(distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)));
  }

  /** RxDB's replication state (active$, error$, sent$, received$, awaitInSync …), once started. */
  get replicationState(): SalesReplication['state'] | null {
    return this.replication?.state ?? null;
  }

  async start(): Promise<void> {
    const last = await this.c.settings.findOne(LAST_SYNC_KEY).exec();
    this.lastSyncAt = last ? (decodeSetting(last) as string) : null;
    this.subs.push(this.c.sales.$.subscribe(() => this.scheduleRefresh()));
    if (this.deps.live === false) return this.refresh();
    this.replication = replicateSales(
      this.c.sales,
      { push: () => this.pushHandler(), pull: () => this.pullHandler() },
      { batchSize: this.opts.bundleSize, retryTimeMs: this.opts.backoffBaseMs },
    );
    const state = this.replication.state;
    this.subs.push(
      // RxDB's own failures (its meta storage, a handler's throw): the status says the last one.
      state.error$.subscribe((error) => {
        const failure = replicationFailure(error);
        if (failure && !this.stopped) {
          this.lastError = failure;
          this.scheduleRefresh();
        }
      }),
      state.sent$.subscribe(() => this.scheduleRefresh()),
      state.received$.subscribe(() => this.scheduleRefresh()),
      this.deps.reachability.changes.subscribe((r) => {
        if (r.state === 'online') this.kick();
        else this.scheduleRefresh();
      }),
      // A new enrollment (not every save of the record: the pull itself saves policy and time).
      this.deps.enrollmentChanges
        .pipe(
          map((r) => `${r.enrollment.state}|${r.enrollment.mode}|${r.server?.hpkePublicKey ?? ''}`),
          distinctUntilChanged(),
        )
        .subscribe(() => this.kick()),
    );
    const { intervalMs } = this.opts;
    if (intervalMs > 0) {
      this.intervalTimer = setInterval(() => this.replication?.resync(), intervalMs);
      this.intervalTimer.unref();
    }
    await this.refresh();
  }

  /**
   * Push what waits (outside its backoff) and pull, now: the network came back, a new enrollment,
   * a sale authorised online. RxDB's retry wait cannot be cut short (awaitRetry is a plain
   * promiseWait in Node), so these run the same cycles directly, one at a time with RxDB's.
   */
  kick(): void {
    if (this.stopped || this.kickQueued) return;
    // Kicks while one waits to start are the same cycle.
    this.kickQueued = true;
    void this.exclusive
      .catch(() => undefined)
      .then(() => {
        this.kickQueued = false;
        return this.cycle(false);
      });
  }

  /**
   * A sale was stored (after its durable write): with a push window, RxDB's push handler holds it
   * until the window closes; `urgent` (a sale authorised online: the server learns of its use at
   * once) or no window sends what waits now.
   */
  recorded(urgent = false): void {
    if (!urgent && this.opts.pushWindowMs > 0) return;
    this.flush();
    this.kick();
  }

  /**
   * Holds RxDB's push while sales wait in an open window: the first unsealed sale opens it; every
   * sale recorded before it closes joins the same bundle. It does not slide: a till selling without
   * pause still pushes every window. Nothing else waits on it (a sale is acknowledged once stored).
   */
  private async pushWindow(): Promise<void> {
    const ms = this.opts.pushWindowMs;
    if (ms <= 0 || this.stopped || !(await this.exchange.holdsOnlyNewSales())) return;
    if (!this.window) {
      let release!: () => void;
      const done = new Promise<void>((resolve) => (release = resolve));
      const cancel = (this.opts.schedule ?? afterMs)(() => this.flush(), ms);
      this.window = {
        done,
        release: () => {
          cancel();
          release();
        },
      };
    }
    await this.window.done;
  }

  /** Closes the open push window now: what waits in it goes (Sync now, an urgent sale, stop). */
  private flush(): void {
    const open = this.window;
    this.window = null;
    open?.release();
  }

  /** sync.now: push and pull after the cycle in flight, ignoring backoff and reachability. */
  async syncNow(): Promise<SyncStatus> {
    this.flush();
    await this.cycle(true);
    await this.settled();
    return this.status$.value;
  }

  /**
   * Waits for RxDB to have handed over every local change (the sale states the cycle just wrote),
   * unless a push is failing: then RxDB is waiting out a backoff, and the status says so now.
   */
  private async settled(): Promise<void> {
    const state = this.replication?.state;
    if (!state || this.stopped || this.retrying || this.lastError) return;
    let sub: Subscription | undefined;
    const failed = new Promise<void>((resolve) => {
      sub = state.error$.subscribe(() => resolve());
    });
    try {
      await Promise.race([state.awaitInSync(), failed]);
    } finally {
      sub?.unsubscribe();
    }
    await this.idle();
    await this.refresh();
  }

  /** Resolves when the cycles started so far are done. */
  async idle(): Promise<void> {
    await this.exclusive.catch(() => undefined);
  }

  /** One at a time: RxDB runs push batches in parallel (upstream.ts, Promise.all over writeBatches). */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.exclusive
      .catch(() => undefined)
      .then(async () => {
        this.running++;
        this.scheduleRefresh();
        try {
          return await task();
        } finally {
          this.running--;
          this.scheduleRefresh();
        }
      });
    this.exclusive = run;
    return run;
  }

  /**
   * Why no request may go now, else null: nothing to sync with (`quiet`: not enrolled, stopped),
   * the local shop's server held (its refusal, shown), or offline (`wait`, shown as offline).
   */
  private hold(force: boolean): SyncFailure | 'quiet' | 'wait' | null {
    if (this.stopped || !this.enrolled()) return 'quiet';
    const held = this.deps.serverHeld?.() ?? null;
    if (held) return describe(held);
    if (!force && this.deps.reachability.current.state === 'offline') return 'wait';
    return null;
  }

  private async cycle(force: boolean): Promise<void> {
    // Push then pull as one turn: a cycle queued behind it sees the outcomes its pull brought.
    await this.serial(async () => {
      const push = await this.pushCycle(force);
      if (!this.stopped) await this.pullCycle(force, push);
    });
    await this.refresh().catch(() => undefined);
  }

  /**
   * RxDB's push handler. Whatever rows RxDB hands over, the cycle sends what the outbox and the
   * recorded sales say; a retryable failure throws after setting RxDB's retry to its backoff, so
   * RxDB calls again; none, or a final refusal (the sales are rejected in the store), answers no
   * conflict: the till is the master of its new sales.
   */
  private async pushHandler(): Promise<WithDeleted<SaleDoc>[]> {
    await this.pushWindow();
    const before = this.exchange.answered;
    const failure = await this.serial(async () => {
      const push = await this.pushCycle(false);
      // The pull brings what the push could not (the server's time after CLOCK_SKEW, an outcome).
      // Here, not by a RESYNC: RxDB holds its pull back while a push is active, retries included
      // (downstream.ts: "While a push is running, we have to delay all incoming events").
      if (push?.retryAt && !push.held && !this.stopped) await this.pullCycle(false, push);
      return push;
    });
    this.retrying = Boolean(failure?.retryAt) && !this.stopped;
    if (failure?.retryAt && !this.stopped) {
      this.replication?.retryIn(failure.retryAt - Date.now());
      throw new ApiError(unlisted(failure.code), failure.message);
    }
    if (this.exchange.answered > before) this.replication?.resync();
    return [];
  }

  /**
   * RxDB's pull handler: every page from the stored cursor. Outcomes are applied here, forward
   * only, so no sale document is handed back to RxDB to write (it would write the master's state
   * over a sale the till moved on meanwhile); RxDB stores a checkpoint only when documents come
   * (downstream.ts), so the cursor is kept in the settings collection and is the checkpoint.
   */
  private async pullHandler(): Promise<{ documents: WithDeleted<SaleDoc>[]; checkpoint: PullCheckpoint }> {
    await this.serial(() => this.pullCycle(false, null, true));
    const cursor = await this.c.settings.findOne(CURSOR_KEY).exec();
    return { documents: [], checkpoint: { cursor: cursor ? (decodeSetting(cursor) as string) : null } };
  }

  private async pushCycle(force: boolean): Promise<PushFailure | null> {
    const hold = this.hold(force);
    if (hold === 'quiet') return null;
    if (hold) {
      // RxDB keeps these rows and calls again after the wait: the probe while nothing may be sent.
      if (hold !== 'wait') this.lastError = hold;
      const { code, message } = hold === 'wait' ? OFFLINE : hold;
      return {
        code,
        message,
        retryAt: Date.now() + backoffDelay(++this.failuresInRow, this.backoff),
        held: true,
      };
    }
    let failure: PushFailure | null;
    try {
      failure = await this.exchange.push(force);
    } catch (error) {
      failure = {
        ...describe(error),
        retryAt: Date.now() + backoffDelay(++this.failuresInRow, this.backoff),
      };
    }
    if (failure?.retryAt) this.nextRetryAt = failure.retryAt;
    else this.failuresInRow = 0;
    this.lastError = failure ? { code: failure.code, message: failure.message } : null;
    return failure;
  }

  /**
   * Every page, then afterPull. From RxDB (`rethrow`) a failed page throws, so RxDB retries it;
   * from a direct cycle it is the status's. The push's failure, if any, stays the one shown.
   */
  private async pullCycle(force: boolean, push: PushFailure | null, rethrow = false): Promise<void> {
    if (this.hold(force)) return;
    let failure: SyncFailure | null = push;
    try {
      await this.exchange.pull();
      if (!this.stopped) await this.deps.afterPull?.();
    } catch (error) {
      failure ??= describe(error);
      if (rethrow && !this.stopped) {
        this.lastError = failure;
        this.replication?.retryIn(backoffDelay(++this.failuresInRow, this.backoff));
        throw error;
      }
    }
    if (this.stopped) return;
    if (rethrow && !failure && this.lastError) {
      // A push failure stays shown until a push succeeds; anything else clears with this pull.
      const pending = await this.c.outbox
        .find({ selector: { status: 'pending', nextAttemptAt: { $gt: Date.now() } } })
        .exec();
      if (pending.length > 0) failure = this.lastError;
    }
    this.lastError = failure;
    if (!failure) {
      this.failuresInRow = 0;
      this.lastSyncAt = new Date().toISOString();
      await this.c.settings
        .upsert({ key: LAST_SYNC_KEY, value: encodeSetting(this.lastSyncAt), updatedAt: Date.now() })
        .catch(() => undefined);
    }
  }

  private enrolled(): boolean {
    const r = this.deps.enrollment.current;
    return r.enrollment.state === 'enrolled' && r.enrollment.mode === 'pos' && r.server !== null;
  }

  private scheduleRefresh(): void {
    if (this.refreshQueued || this.stopped) return;
    this.refreshQueued = true;
    setImmediate(() => {
      this.refreshQueued = false;
      this.refresh().catch(() => undefined);
    });
  }

  private async refresh(): Promise<void> {
    if (this.stopped) return;
    // Each stored state counts under its API name; `voided` (version 0, never written now) nowhere.
    const counts = { ...EMPTY_COUNTS };
    await Promise.all(
      STORED_SALE_STATES.filter((s) => s !== 'voided').map(async (status) => {
        counts[SALE_SYNC_STATE[status]] += await this.c.sales.count({ selector: { status } }).exec();
      }),
    );
    const rejectedBundles = (
      await this.c.outbox.find({ selector: { status: 'rejected' }, sort: [{ seqFrom: 'asc' }] }).exec()
    ).map((d) => rejectedBundle(d.toJSON() as OutboxDoc));
    const waiting = (
      await this.c.outbox.find({ selector: { status: 'pending', nextAttemptAt: { $gt: Date.now() } } }).exec()
    ).length;
    if (this.stopped) return;
    this.status$.next(
      syncStatus({
        enrolled: this.enrolled(),
        syncing: this.running > 0,
        offline: this.deps.reachability.current.state === 'offline' || Boolean(this.deps.serverHeld?.()),
        counts,
        rejectedBundles,
        waiting,
        lastError: this.lastError,
        lastSyncAt: this.lastSyncAt,
        nextRetryAt: this.nextRetryAt,
      }),
    );
  }

  /** Stops the replication and the timer; a request in flight is abandoned (its outbox record stays). */
  stop(): void {
    this.stopped = true;
    this.flush();
    void this.replication?.state.cancel().catch(() => undefined);
    clearInterval(this.intervalTimer);
    for (const s of this.subs) s.unsubscribe();
    this.status$.complete();
  }
}
