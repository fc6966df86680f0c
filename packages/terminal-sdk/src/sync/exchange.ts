import { ApiError } from '../../../../protocol/api';
import { buildBundle } from '../../../../protocol/bundle/build';
import type { Sale } from '../../../../protocol/bundle/sale';
import { serverKeyId } from '../../../../protocol/bundle/key-id';
import { GENESIS_HASH } from '../../../../protocol/bundle/constants';
import {
  pullAnswerSha256,
  pushAnswerSha256,
  type BundleStatus,
  type PushResponse,
} from '../../../../protocol/http/payments';
import { newRequestNonce } from '../../../../protocol/licence';
import { STATE_OF_ANSWER } from '../../../../protocol/states';
import type { EnrollmentRecord } from '../device/enrollment';
import { checkPolicyStatement, checkPushStatement } from '../device/policy-statement';
import type { DeviceIdentity } from '../device/identity';
import { callRoute } from '../net/route-client';
import { encodeSetting, decodeSetting, type OutboxDoc, type SaleDoc } from '../store';
import { backoffDelay, pushVerdict, type BackoffOptions } from './backoff';
import { PullAnswer, type SyncCollections, type SyncDeps } from './deps';
import { continueAfter, nextBundleSales, outboxRecord, outcomePatch, salesMovedTo } from './outbox';
import { catalogChanges, enrollmentAfterPull, pullQuery } from './pull';
import { verifiedRefusal } from './push-refusal';
import { describe, type PushFailure } from './status';

export const CURSOR_KEY = 'sync.payments.cursor';
/** The outbox note of a bundle rebuilt after CLOCK_SKEW and not answered since. */
const REBUILT = "Built again with the time corrected to the server's; waiting to be sent.";
/** A pull that keeps answering `more` past this many pages is cut short; the next round goes on. */
const MAX_PULL_PAGES = 1000;

export interface ExchangeOptions {
  bundleSize: number;
  requestTimeoutMs: number;
  pullPageSize: number | undefined;
  backoff: BackoffOptions;
}

/**
 * What goes over the wire, with the store around it: sealing recorded sales into outbox bundles
 * (written before they are sent), sending them as stored, applying answers forward only, and pulling
 * verified pages from the stored cursor. sync-service.ts decides when (RxDB's replication).
 */
export class BundleExchange {
  /** Bundles the server answered (a push that got one asks RxDB for a pull of their outcomes). */
  answered = 0;

  constructor(
    private readonly deps: SyncDeps,
    private readonly opts: ExchangeOptions,
    private readonly isStopped: () => boolean,
  ) {}

  private get c(): SyncCollections {
    return this.deps.collections;
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
  async push(force: boolean): Promise<PushFailure | null> {
    const device = await this.device();
    while (!this.isStopped()) {
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

  /**
   * Recorded sales wait to be sealed and no bundle is pending: a push window may hold them. A bundle
   * already sealed (a retry, a restart) goes without waiting: its sales' window closed long ago.
   */
  async holdsOnlyNewSales(): Promise<boolean> {
    if (!this.deps.enrollment.current.server) return false;
    const { deviceId } = await this.device();
    const pending = await this.c.outbox.findOne({ selector: { deviceId, status: 'pending' } }).exec();
    if (pending) return false;
    const last = await this.c.outbox.findOne({ selector: { deviceId }, sort: [{ seqTo: 'desc' }] }).exec();
    const next = await this.c.sales
      .findOne({ selector: { deviceId, seq: { $gt: last?.seqTo ?? 0 } } })
      .exec();
    return next !== null;
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
      if (this.isStopped()) return { ...describe(caught), retryAt: null };
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
          ? { retry: true as const, at: Date.now() + backoffDelay(attempts, this.opts.backoff) }
          : pushVerdict(error, attempts, this.opts.backoff, Date.now());
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
  async pull(): Promise<void> {
    for (let page = 0; page < MAX_PULL_PAGES && !this.isStopped(); page++) {
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
    if (this.isStopped()) return false;
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
}
