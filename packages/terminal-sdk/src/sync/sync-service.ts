import type { KeyObject } from 'node:crypto';
import type { RxCollection, WithDeleted } from 'rxdb';
import { BehaviorSubject, distinctUntilChanged, map, type Observable, type Subscription } from 'rxjs';
import { z } from 'zod';
import { ApiError, unlisted, type SyncStatus } from '../../../../protocol/api';
import { buildBundle } from '../../../../protocol/bundle/build';
import type { ChainHead } from '../../../../protocol/bundle/chain';
import type { Sale } from '../../../../protocol/bundle/sale';
import { serverKeyId } from '../../../../protocol/bundle/key-id';
import { GENESIS_HASH, MAX_SALES_PER_BUNDLE } from '../../../../protocol/bundle/constants';
import {
  PaymentsPullResponse,
  pullAnswerSha256,
  pushAnswerSha256,
  type BundleStatus,
  type PushResponse,
} from '../../../../protocol/http/payments';
import { newRequestNonce } from '../../../../protocol/licence';
import { SALE_SYNC_STATE, STATE_OF_ANSWER, STORED_SALE_STATES } from '../../../../protocol/states';
import type { EnrollmentRecord } from '../device/enrollment';
import { checkPolicyStatement, checkPushStatement } from '../device/policy-statement';
import type { DeviceIdentity } from '../device/identity';
import { callRoute } from '../net/route-client';
import {
  decodeSetting,
  encodeSetting,
  type CatalogItemDoc,
  type OutboxDoc,
  type SaleDoc,
  type SettingDoc,
} from '../store';
import { backoffDelay, pushVerdict, type BackoffOptions } from './backoff';
import { verifiedRefusal } from './push-refusal';
import { continueAfter, nextBundleSales, outboxRecord, outcomePatch, salesMovedTo } from './outbox';
import { catalogChanges, enrollmentAfterPull, pullQuery } from './pull';
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

/** Bundles are at most this many sales (the format allows MAX_SALES_PER_BUNDLE). */
export const BUNDLE_SIZE = 100;
const CURSOR_KEY = 'sync.payments.cursor';
const LAST_SYNC_KEY = 'sync.payments.lastSyncAt';
/** The outbox note of a bundle rebuilt after CLOCK_SKEW and not answered since. */
/** What RxDB's retry says while the reachability monitor says offline (never shown). */
const OFFLINE = { code: 'UNAVAILABLE', message: 'Offline: waiting for the network.' };
const REBUILT = "Built again with the time corrected to the server's; waiting to be sent.";

export interface SyncCollections {
  sales: RxCollection<SaleDoc>;
  outbox: RxCollection<OutboxDoc>;
  catalog: RxCollection<CatalogItemDoc>;
  settings: RxCollection<SettingDoc>;
}

/** Whether the server answers (the app probes /health/live); only `offline` holds rounds back. */
export interface Reachability {
  state: 'unknown' | 'online' | 'offline';
}

/** A verified pull page as the engine read it. */
export type PullPage = z.output<typeof PullAnswer>;

/**
 * What a terminal takes from a pull page beyond policy, time, catalog and outcomes (the app: the
 * signed cashier roster and the back office's catalog, which pullQuery asks for). `check` runs after the page's statement verified and before anything is written: it throws to refuse the
 * whole page, else returns what to write once the page is applied.
 */
export interface PullExtension {
  check(page: PullPage, serverKey: KeyObject): Promise<(now: number) => Promise<void>>;
}

export interface SyncDeps {
  collections: SyncCollections;
  identity: () => Promise<DeviceIdentity>;
  enrollment: { readonly current: EnrollmentRecord; save(record: EnrollmentRecord): Promise<unknown> };
  enrollmentChanges: Observable<EnrollmentRecord>;
  reachability: { readonly current: Reachability; readonly changes: Observable<Reachability> };
  serverUrl: () => string;
  /**
   * Why the till may not talk to its server now (the local shop's server is not running, so its
   * port may be anyone's: local-shop/server-hold.ts); null when it may. No round runs while held.
   */
  serverHeld?: () => ApiError | null;
  /** The server signing key the pull's signed policy and time must verify against (trust/server-key.ts). */
  serverKey: () => Promise<KeyObject>;
  /** Run after each successful pull (the QR issuer keys); its failure is the round's, in the status. */
  afterPull?: () => Promise<unknown>;
  /** The till's clock for money (pos/till-clock.ts): bundles are stamped with it. Date.now if absent. */
  clock?: { now(): number };
  /**
   * Heads of runs of sales a restored older store lost (trust/rollback-anchor.ts): a bundle may
   * start just after one, so the server sees the gap (SEQUENCE_GAP, held for review).
   */
  lostSales?: (deviceId: string) => readonly ChainHead[];
  /** More to take from each verified pull page (the app's cashier roster and back-office catalog). */
  pullExtension?: PullExtension;
  /**
   * Run RxDB's live replication (default): sales are pushed as they are recorded, retried with
   * backoff. False (the SDK's `autoSync: false`): nothing moves but `syncNow()`.
   */
  live?: boolean;
  options?: SyncOptions;
}

export interface SyncOptions {
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Pull (and push what is left) this often while online. 0 turns the timer off. */
  intervalMs?: number;
  bundleSize?: number;
  requestTimeoutMs?: number;
  random?: () => number;
  /** Items per pull page (the server's default when absent). */
  pullPageSize?: number;
}

/**
 * The pull answer as read here: the statement is taken as anything so that a missing or malformed
 * one is checkPolicyStatement's POLICY_STATEMENT_INVALID, not a generic "not understood".
 */
const PullAnswer = PaymentsPullResponse.extend({ statement: z.unknown().optional() });

/** A pull that keeps answering `more` past this many pages is cut short; the next round goes on. */
const MAX_PULL_PAGES = 1000;

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
  /** Bundles the server answered: a push that got one asks RxDB for a pull (their outcomes). */
  private answered = 0;
  /** RxDB is waiting out the backoff of a failed push (its handler threw). */
  private retrying = false;
  private lastError: SyncFailure | null = null;
  private lastSyncAt: string | null = null;
  private nextRetryAt: number | null = null;

  constructor(private readonly deps: SyncDeps) {}

  private get c(): SyncCollections {
    return this.deps.collections;
  }

  private get opts(): Required<Omit<SyncOptions, 'random' | 'pullPageSize'>> &
    Pick<SyncOptions, 'random' | 'pullPageSize'> {
    const o = this.deps.options ?? {};
    return {
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

  /** sync.now: push and pull after the cycle in flight, ignoring backoff and reachability. */
  async syncNow(): Promise<SyncStatus> {
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
    const before = this.answered;
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
    if (this.answered > before) this.replication?.resync();
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
      failure = await this.push(force);
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
      await this.pull();
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

  private async device(): Promise<{ deviceId: string; key: DeviceIdentity['signingKey'] }> {
    const identity = await this.deps.identity();
    return { deviceId: identity.deviceId, key: identity.signingKey };
  }

  /**
   * One bundle a turn: the oldest pending one, else a new one sealed from recorded sales. It stops
   * when nothing is left to send, at a bundle still waiting out its backoff (unless forced), or at
   * the first failure, which it returns with when to retry (null: a final refusal).
   */
  private async push(force: boolean): Promise<PushFailure | null> {
    const device = await this.device();
    while (!this.stopped) {
      const rec = await this.nextToSend(device);
      if (!rec) return null;
      if (!force && rec.nextAttemptAt > Date.now())
        return {
          code: rec.lastErrorCode ?? 'UNAVAILABLE',
          message: rec.lastError ?? 'Waiting to retry.',
          retryAt: rec.nextAttemptAt,
        };
      const failure = await this.send(rec);
      if (failure) return failure;
    }
    return null;
  }

  /** The oldest pending bundle; when none, a new one, unless a refused bundle blocks the chain. */
  private async nextToSend(device: {
    deviceId: string;
    key: DeviceIdentity['signingKey'];
  }): Promise<OutboxDoc | null> {
    const oldest = await this.c.outbox
      .findOne({ selector: { deviceId: device.deviceId, status: 'pending' }, sort: [{ seqFrom: 'asc' }] })
      .exec();
    if (oldest) return oldest.toJSON() as OutboxDoc;
    if (await this.blocked(device.deviceId)) return null;
    return this.buildNext(device);
  }

  private async blocked(deviceId: string): Promise<boolean> {
    // find, not count: RxDB refuses counts its indexes cannot answer alone, and this set is tiny.
    return (await this.c.outbox.find({ selector: { deviceId, status: 'rejected' } }).exec()).length > 0;
  }

  /** Packs the next run of recorded sales into a bundle and writes it to the outbox (null: none). */
  private async buildNext(device: {
    deviceId: string;
    key: DeviceIdentity['signingKey'];
  }): Promise<OutboxDoc | null> {
    const record = this.deps.enrollment.current;
    if (!record.server) return null;
    const last = await this.c.outbox
      .findOne({ selector: { deviceId: device.deviceId }, sort: [{ seqTo: 'desc' }] })
      .exec();
    const docs = await this.c.sales
      .find({
        selector: { deviceId: device.deviceId, seq: { $gt: last?.seqTo ?? 0 } },
        sort: [{ seq: 'asc' }],
        limit: this.opts.bundleSize,
      })
      .exec();
    const from = continueAfter(
      { seq: last?.seqTo ?? 0, hash: last?.chainHead ?? GENESIS_HASH },
      docs[0]?.seq,
      this.deps.lostSales?.(device.deviceId) ?? [],
    );
    const sales = nextBundleSales(
      docs.map((d) => d.toJSON() as SaleDoc),
      from.seq,
    );
    if (sales.length === 0) return null;
    const envelope = await this.envelope(device, record.server, sales, from.hash);
    // Written before anything is sent: from here on these sales travel only in this envelope.
    const rec = outboxRecord(envelope, device.deviceId, from.hash, Date.now());
    await this.c.outbox.insert(rec);
    await this.markSales(device.deviceId, rec.seqFrom, rec.seqTo, 'queued', undefined, rec.bundleId);
    return rec;
  }

  /** A signed, encrypted bundle of `sales`, stamped with the till's clock. */
  private envelope(
    device: { deviceId: string; key: DeviceIdentity['signingKey'] },
    server: NonNullable<EnrollmentRecord['server']>,
    sales: Sale[],
    prevChainHead: string,
    bundleId?: string,
  ) {
    return buildBundle({
      sales,
      deviceId: device.deviceId,
      deviceKey: device.key,
      serverPublicKey: server.hpkePublicKey,
      serverKeyId: serverKeyId(server.hpkePublicKey),
      prevChainHead,
      now: new Date(this.deps.clock?.now() ?? Date.now()),
      ...(bundleId ? { bundleId } : {}),
    });
  }

  /**
   * A bundle the server refused for CLOCK_SKEW, built again from the same sales under the same id
   * with the till clock's time (which the pull after that refusal set to the server's). The refusal
   * stored nothing (server/payments/push.ts refuses before any write, and a bundle it had stored is
   * answered as such whatever the clock), so the id is free; the sales and chain are the same.
   */
  private async rebuilt(rec: OutboxDoc): Promise<OutboxDoc> {
    const server = this.deps.enrollment.current.server;
    if (rec.lastErrorCode !== 'CLOCK_SKEW' || rec.lastError === REBUILT || !server) return rec;
    const device = await this.device();
    const docs = await this.c.sales
      .find({
        selector: { deviceId: rec.deviceId, seq: { $gte: rec.seqFrom, $lte: rec.seqTo } },
        sort: [{ seq: 'asc' }],
      })
      .exec();
    const sales = nextBundleSales(
      docs.map((d) => d.toJSON() as SaleDoc),
      rec.seqFrom - 1,
    );
    const envelope = await this.envelope(device, server, sales, rec.prevChainHead, rec.bundleId);
    // Written before it is sent, as a new bundle is, and marked: a crash or a lost answer from here
    // re-sends these very bytes (a bundle the server may have stored is never built a third time).
    const patch = { envelope: JSON.stringify(envelope), lastError: REBUILT };
    await this.updateOutbox(rec.bundleId, patch);
    return { ...rec, ...patch };
  }

  private async send(stored: OutboxDoc): Promise<PushFailure | null> {
    // Outside the try: a key this till cannot read is its own fault, never a refusal of the bundle.
    const serverKey = await this.deps.serverKey();
    const rec = await this.rebuilt(stored);
    let answer: PushResponse;
    try {
      // A public route: the envelope's own device signature authenticates it, no request signature.
      answer = await callRoute(this.deps.serverUrl(), 'pushBundle', {
        // The stored text parses back to the same object, and serialises to the same bytes.
        body: JSON.parse(rec.envelope) as unknown,
        timeoutMs: this.opts.requestTimeoutMs,
      });
      // Before any status is applied: an answer the server did not sign is retried, not believed (#16).
      checkPushStatement(answer, {
        serverKey,
        deviceId: rec.deviceId,
        bundleId: rec.bundleId,
        answerSha256: pushAnswerSha256(answer),
      });
    } catch (caught) {
      if (this.stopped) return { ...describe(caught), retryAt: null };
      // A refusal is final only when the server signed it for this envelope; else it is retried (#16).
      const error = verifiedRefusal(caught, {
        serverKey,
        deviceId: rec.deviceId,
        bundleId: rec.bundleId,
        envelope: JSON.parse(rec.envelope) as unknown,
      });
      const { code, message } = describe(error);
      const attempts = rec.attempts + 1;
      // A clock the server finds wrong is the till's to mend: the bundle is rebuilt, never given up.
      const verdict =
        code === 'CLOCK_SKEW'
          ? { retry: true as const, at: Date.now() + backoffDelay(attempts, this.backoff) }
          : pushVerdict(error, attempts, this.backoff, Date.now());
      if (verdict.retry) {
        const next = verdict.at;
        await this.updateOutbox(rec.bundleId, {
          attempts,
          nextAttemptAt: next,
          lastErrorCode: code,
          lastError: message.slice(0, 1000),
        });
        return { code, message, retryAt: next };
      }
      await this.updateOutbox(rec.bundleId, {
        attempts,
        status: 'rejected',
        lastErrorCode: code.slice(0, 64),
        lastError: message.slice(0, 1000),
      });
      await this.markSales(rec.deviceId, rec.seqFrom, rec.seqTo, 'rejected', code);
      return {
        code,
        message: `The server refused sales ${rec.seqFrom}–${rec.seqTo}: ${message}`,
        retryAt: null,
      };
    }
    await this.applyOutcome(rec, answer.status, answer.reasons[0]?.code, rec.attempts + 1);
    this.answered++;
    return null;
  }

  private async updateOutbox(bundleId: string, patch: Partial<OutboxDoc>): Promise<void> {
    const doc = await this.c.outbox.findOne(bundleId).exec();
    if (!doc) return;
    await doc.incrementalPatch({ ...patch, updatedAt: Date.now() });
  }

  private async applyOutcome(
    rec: OutboxDoc,
    status: BundleStatus,
    reason: string | undefined,
    attempts?: number,
  ) {
    const doc = await this.c.outbox.findOne(rec.bundleId).exec();
    if (!doc) return;
    const patch = outcomePatch(doc.status, status, attempts, Date.now());
    if (patch) await doc.incrementalPatch(patch);
    await this.markSales(rec.deviceId, rec.seqFrom, rec.seqTo, STATE_OF_ANSWER[status], reason);
  }

  /** Moves every sale of a seq range forward to `status` (never back). */
  private async markSales(
    deviceId: string,
    from: number,
    to: number,
    status: SaleDoc['status'],
    reason?: string,
    bundleId?: string,
  ): Promise<void> {
    const docs = await this.c.sales.find({ selector: { deviceId, seq: { $gte: from, $lte: to } } }).exec();
    const changed = salesMovedTo(
      docs.map((d) => d.toJSON() as SaleDoc),
      status,
      Date.now(),
      reason,
      bundleId,
    );
    if (changed.length > 0) {
      const result = await this.c.sales.bulkUpsert(changed);
      if (result.error.length > 0) throw new ApiError('INTERNAL', 'Could not update the status of sales.');
    }
  }

  /**
   * Pulls page after page until the server says there is no more. The cursor is stored after each
   * page is applied, so a crash or a failed page resumes from the last page applied.
   */
  private async pull(): Promise<void> {
    for (let page = 0; page < MAX_PULL_PAGES && !this.stopped; page++) {
      if (!(await this.pullPage())) return;
    }
  }

  /** One page; true when the server has more. */
  private async pullPage(): Promise<boolean> {
    const device = await this.device();
    const cursorDoc = await this.c.settings.findOne(CURSOR_KEY).exec();
    const cursor = cursorDoc ? (decodeSetting(cursorDoc) as string) : null;
    const requestNonce = newRequestNonce();
    const query = pullQuery(cursor, this.opts.pullPageSize, requestNonce);
    const answer = await callRoute(this.deps.serverUrl(), 'pullPayments', {
      query,
      device,
      response: PullAnswer,
      timeoutMs: this.opts.requestTimeoutMs,
    });
    if (this.stopped) return false;
    // Before anything of the page is applied: an answer that does not verify changes nothing (#16).
    const standing = checkPolicyStatement(
      answer.statement,
      { serverKey: await this.deps.serverKey(), deviceId: device.deviceId, requestNonce },
      { answerSha256: pullAnswerSha256(answer) },
    );
    // What else the terminal takes from the page is checked before anything is written too.
    const extra = await this.deps.pullExtension?.check(answer, await this.deps.serverKey());
    await this.deps.enrollment.save(enrollmentAfterPull(this.deps.enrollment.current, standing, Date.now()));
    const now = Date.now();
    await extra?.(now);
    const { upserts, removals } = catalogChanges(answer.catalog, now);
    if (upserts.length > 0) await this.c.catalog.bulkUpsert(upserts);
    if (removals.length > 0) await this.c.catalog.bulkRemove(removals).catch(() => undefined);
    for (const outcome of answer.bundles) {
      const doc = await this.c.outbox.findOne(outcome.bundle_id).exec();
      if (doc) await this.applyOutcome(doc.toJSON() as OutboxDoc, outcome.status, outcome.reasons[0]?.code);
    }
    await this.c.settings.upsert({ key: CURSOR_KEY, value: encodeSetting(answer.cursor), updatedAt: now });
    return answer.more;
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
    void this.replication?.state.cancel().catch(() => undefined);
    clearInterval(this.intervalTimer);
    for (const s of this.subs) s.unsubscribe();
    this.status$.complete();
  }
}
