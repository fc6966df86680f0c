import type { KeyObject } from 'node:crypto';
import type { RxCollection } from 'rxdb';
import { BehaviorSubject, distinctUntilChanged, map, type Observable, type Subscription } from 'rxjs';
import { z } from 'zod';
import { ApiError, type SyncStatus } from '../../../protocol/api';
import { buildBundle } from '../../../protocol/bundle/build';
import type { ChainHead } from '../../../protocol/bundle/chain';
import type { Sale } from '../../../protocol/bundle/sale';
import { serverKeyId } from '../../../protocol/bundle/key-id';
import { GENESIS_HASH, MAX_SALES_PER_BUNDLE } from '../../../protocol/bundle/constants';
import {
  PaymentsPullResponse,
  pullAnswerSha256,
  pushAnswerSha256,
  type BundleStatus,
  type PushResponse,
} from '../../../protocol/http/payments';
import { newRequestNonce } from '../../../protocol/licence';
import { SALE_SYNC_STATE, STATE_OF_ANSWER, STORED_SALE_STATES } from '../../../protocol/states';
import type { EnrollmentRecord } from '../device/enrollment-store';
import { checkPolicyStatement, checkPushStatement } from '../device/policy-statement';
import type { DeviceIdentity } from '../device/identity';
import { callRoute } from '../net/route-client';
import type { Reachability } from '../net/reachability';
import {
  decodeSetting,
  encodeSetting,
  type CatalogItemDoc,
  type OutboxDoc,
  type SaleDoc,
  type SettingDoc,
} from '../store/schemas/index';
import { backoffDelay, pushVerdict, type BackoffOptions } from './backoff';
import { continueAfter, nextBundleSales, outboxRecord, outcomePatch, salesMovedTo } from './outbox';
import { checkRoster, saveRoster } from '../pos/cashier-roster';
import { readServerCatalog, saveServerCatalog, serverCatalogAfter } from './back-office-catalog';
import { syncImages } from './catalog-images';
import { catalogChanges, enrollmentAfterPull, pullQuery } from './pull';
import { describe, EMPTY_COUNTS, rejectedBundle, syncStatus, type SyncFailure } from './status';

/** Bundles are at most this many sales (the format allows MAX_SALES_PER_BUNDLE). */
export const BUNDLE_SIZE = 100;
const CURSOR_KEY = 'sync.payments.cursor';
const LAST_SYNC_KEY = 'sync.payments.lastSyncAt';
/** The outbox note of a bundle rebuilt after CLOCK_SKEW and not answered since. */
const REBUILT = "Built again with the time corrected to the server's; waiting to be sent.";

export interface SyncCollections {
  sales: RxCollection<SaleDoc>;
  outbox: RxCollection<OutboxDoc>;
  catalog: RxCollection<CatalogItemDoc>;
  settings: RxCollection<SettingDoc>;
}

export interface SyncDeps {
  collections: SyncCollections;
  identity: () => Promise<DeviceIdentity>;
  enrollment: { readonly current: EnrollmentRecord; save(record: EnrollmentRecord): Promise<unknown> };
  enrollmentChanges: Observable<EnrollmentRecord>;
  reachability: { readonly current: Reachability; readonly changes: Observable<Reachability> };
  serverUrl: () => string;
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
 * Push: our own loop over the outbox (docs/sync.md says why not RxDB's push). Pending sales, in
 * seq order, are packed into bundles of ≤ 100 chained from the last bundle's head; each bundle's
 * signed envelope is written to the outbox BEFORE it is sent, so a crash or a lost answer re-sends
 * the very same bytes. Pull: device-signed GET /offline/sync/payments brings policy, catalog and
 * bundle outcomes after each push round and every `intervalMs`.
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
  private chain: Promise<void> = Promise.resolve();
  private kickQueued = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private intervalTimer: NodeJS.Timeout | undefined;
  private readonly subs: Subscription[] = [];
  private refreshQueued = false;
  private phase: 'idle' | 'syncing' = 'idle';
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

  async start(): Promise<void> {
    const last = await this.c.settings.findOne(LAST_SYNC_KEY).exec();
    this.lastSyncAt = last ? (decodeSetting(last) as string) : null;
    this.subs.push(
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
      this.c.sales.$.subscribe(() => this.scheduleRefresh()),
    );
    const { intervalMs } = this.opts;
    if (intervalMs > 0) {
      this.intervalTimer = setInterval(() => this.kick(), intervalMs);
      this.intervalTimer.unref();
    }
    await this.refresh();
  }

  /**
   * Asks for a round soon. Rounds run one after another on one chain, never overlapping; kicks
   * while one is queued are merged into it.
   */
  kick(): void {
    if (this.stopped || this.kickQueued) return;
    this.kickQueued = true;
    this.chain = this.chain.then(() => {
      this.kickQueued = false;
      return this.safeRound(false);
    });
  }

  /** sync.now: one round after the current one, ignoring backoff and what reachability last said. */
  async syncNow(): Promise<SyncStatus> {
    const round = this.chain.then(() => this.safeRound(true));
    this.chain = round;
    await round;
    return this.status$.value;
  }

  /** Resolves when the rounds queued so far are done. */
  idle(): Promise<void> {
    return this.chain;
  }

  private async safeRound(force: boolean): Promise<void> {
    try {
      await this.round(force);
    } catch (error) {
      this.phase = 'idle';
      if (this.stopped) return;
      this.lastError = describe(error);
      // Only the message: RxDB errors carry whole collections in their parameters.
      console.warn('[sync] round failed:', this.lastError.code, this.lastError.message);
      await this.refresh().catch(() => undefined);
    }
  }

  private enrolled(): boolean {
    const r = this.deps.enrollment.current;
    return r.enrollment.state === 'enrolled' && r.enrollment.mode === 'pos' && r.server !== null;
  }

  private async round(force: boolean): Promise<void> {
    if (this.stopped) return;
    if (!this.enrolled()) return this.refresh();
    if (!force && this.deps.reachability.current.state === 'offline') return this.refresh();
    this.phase = 'syncing';
    this.scheduleRefresh();
    let failure: SyncFailure | null = null;
    try {
      const pushFailure = await this.push(force);
      if (pushFailure) failure = pushFailure;
    } catch (error) {
      failure = describe(error);
    }
    if (this.stopped) return;
    try {
      await this.pull();
      if (!this.stopped) await this.deps.afterPull?.();
    } catch (error) {
      failure ??= describe(error);
    }
    if (this.stopped) return;
    this.lastError = failure;
    if (!failure) {
      this.lastSyncAt = new Date().toISOString();
      await this.c.settings
        .upsert({ key: LAST_SYNC_KEY, value: encodeSetting(this.lastSyncAt), updatedAt: Date.now() })
        .catch(() => undefined);
    }
    this.phase = 'idle';
    await this.refresh();
  }

  private async device(): Promise<{ deviceId: string; key: DeviceIdentity['signingKey'] }> {
    const identity = await this.deps.identity();
    return { deviceId: identity.deviceId, key: identity.signingKey };
  }

  /**
   * One loop, one bundle a turn: the oldest pending one, else a new one built from recorded sales.
   * It stops when nothing is left to send, at a bundle still waiting out its backoff (unless
   * forced), or at the first failure, which it returns; send() records whether that one is retried.
   */
  private async push(force: boolean): Promise<SyncFailure | null> {
    const device = await this.device();
    while (!this.stopped) {
      const rec = await this.nextToSend(device);
      if (!rec) return null;
      if (!force && rec.nextAttemptAt > Date.now()) {
        this.scheduleRetry(rec.nextAttemptAt);
        return { code: rec.lastErrorCode ?? 'UNAVAILABLE', message: rec.lastError ?? 'Waiting to retry.' };
      }
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

  private async send(stored: OutboxDoc): Promise<SyncFailure | null> {
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
    } catch (error) {
      if (this.stopped) return describe(error);
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
        this.scheduleRetry(next);
        return { code, message };
      }
      await this.updateOutbox(rec.bundleId, {
        attempts,
        status: 'rejected',
        lastErrorCode: code.slice(0, 64),
        lastError: message.slice(0, 1000),
      });
      await this.markSales(rec.deviceId, rec.seqFrom, rec.seqTo, 'rejected', code);
      return { code, message: `The server refused sales ${rec.seqFrom}–${rec.seqTo}: ${message}` };
    }
    await this.applyOutcome(rec, answer.status, answer.reasons[0]?.code, rec.attempts + 1);
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
      if (!(await this.pullPage())) break;
    }
    if (!this.stopped) await this.pullImages();
  }

  /** Products' pictures the pulled catalog names (catalog-images.ts); never fails the pull. */
  private async pullImages(): Promise<void> {
    try {
      const device = await this.device();
      const held = await readServerCatalog(this.c.settings);
      const next = await syncImages(
        this.c.settings,
        held,
        (sku) =>
          callRoute(this.deps.serverUrl(), 'terminalCatalogImage', {
            params: { sku },
            device,
            timeoutMs: this.opts.requestTimeoutMs,
          }),
        (sku, why) => console.warn(`[sync] product picture of ${sku} skipped: ${why}`),
      );
      if (JSON.stringify(next.images) !== JSON.stringify(held.images))
        await saveServerCatalog(this.c.settings, next, Date.now());
    } catch (err) {
      console.warn(
        `[sync] product pictures not fetched: ${err instanceof Error ? err.message : String(err)}`,
      );
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
    // The roster too: one not signed, another shop's or older than the held one refuses the page.
    const roster = answer.roster
      ? await checkRoster(this.c.settings, answer.roster, {
          serverKey: await this.deps.serverKey(),
          tenant: this.deps.enrollment.current.enrollment.tenant,
        })
      : undefined;
    await this.deps.enrollment.save(enrollmentAfterPull(this.deps.enrollment.current, standing, Date.now()));
    const now = Date.now();
    if (roster) await saveRoster(this.c.settings, roster, now);
    const { upserts, removals } = catalogChanges(answer.catalog, now);
    if (upserts.length > 0) await this.c.catalog.bulkUpsert(upserts);
    if (removals.length > 0) await this.c.catalog.bulkRemove(removals).catch(() => undefined);
    const server = serverCatalogAfter(await readServerCatalog(this.c.settings), answer);
    if (server) await saveServerCatalog(this.c.settings, server, now);
    for (const outcome of answer.bundles) {
      const doc = await this.c.outbox.findOne(outcome.bundle_id).exec();
      if (doc) await this.applyOutcome(doc.toJSON() as OutboxDoc, outcome.status, outcome.reasons[0]?.code);
    }
    await this.c.settings.upsert({ key: CURSOR_KEY, value: encodeSetting(answer.cursor), updatedAt: now });
    return answer.more;
  }

  private scheduleRetry(at: number): void {
    if (this.stopped) return;
    this.nextRetryAt = at;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.kick(), Math.max(0, at - Date.now()));
    this.retryTimer.unref();
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
        syncing: this.phase === 'syncing',
        offline: this.deps.reachability.current.state === 'offline',
        counts,
        rejectedBundles,
        waiting,
        lastError: this.lastError,
        lastSyncAt: this.lastSyncAt,
        nextRetryAt: this.nextRetryAt,
      }),
    );
  }

  /** Stops timers and further rounds; a request in flight is abandoned (its outbox record stays). */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.intervalTimer);
    for (const s of this.subs) s.unsubscribe();
    this.status$.complete();
  }
}
