import { randomUUID } from 'node:crypto';
import type { RxCollection } from 'rxdb';
import { combineLatest, from, map, of, switchMap, timer, type Observable } from 'rxjs';
import {
  ApiError,
  type CatalogEntry,
  type PendingBanner,
  type RefundQuote,
  type QuickKeysLayout,
  type QuickKeysSetInput,
  type SaleSummary,
  type Shift,
  type ZReport,
} from '../../../protocol/api';
import { checkedSale, saleDocument } from '@outpost/terminal-sdk';
import { GENESIS_HEAD, saleHash, type ChainHead } from '../../../protocol/bundle/chain';
import type { Sale, SaleLine, Tender } from '../../../protocol/bundle/sale';
import { Policy } from '../../../protocol/http/policies';
import { UNSYNCED_SALE_STATES } from '../../../protocol/states';
import type { EnrollmentRecord } from '../device/enrollment-store';
import type { TillAnchor } from '../trust/rollback-anchor';
import type { AuditDoc, CatalogItemDoc, SaleDoc, SettingDoc, ShiftDoc } from '../store/schemas/index';
import { checkCashTender, checkDrawerAmount } from './cash-check';
import { enforceLimits, enrollmentRefusal, policyRefusal, utcDayStart, type LimitCode } from './limits';
import { wantsOnlineAuthorisation, type OnlineAuthoriser } from './online-authorisation';
import type { CashierAccounts } from './cashier-accounts';
import { cashierNames, drawerMoves, shiftSales } from './cashiering';
import { claimQrTenders, markQrTenders } from './qr-verifications';
import { apportionRefund, voidTenders, type RefundWanted } from './refund';
import { refundQuote } from './refund-quote';
import { refundTenders } from './refund-tenders';
import { requireManagerForCashBack } from './refund-tender';
import { SerialQueue } from './serial';
import { readServerCatalog } from '../sync/back-office-catalog';
import { searchCollection } from '../store/search-collection';
import { saveQuickKeys } from './quick-keys';
import {
  computeLine,
  settleTenders,
  sumTotals,
  type CartLineInput,
  type SettleTender,
  type TenderInputValue,
} from './totals';
import { catalogEntry, fold, pendingBanner, saleOf, shiftView, summarize } from './views';
import { zReport } from './zreport';
import { afterRecorded } from './recorded-disk-full';

export interface PosCollectionsUsed {
  sales: RxCollection<SaleDoc>;
  catalog: RxCollection<CatalogItemDoc>;
  settings: RxCollection<SettingDoc>;
  shifts: RxCollection<ShiftDoc>;
  audit: RxCollection<AuditDoc>;
}

export interface PosDeps {
  collections: PosCollectionsUsed;
  pins: CashierAccounts;
  /** The signed-in cashier records are attributed to; refuses (CASHIER_REQUIRED) when none is (cashiering.ts). */
  cashier?: () => Promise<string | undefined>;
  enrollment: () => EnrollmentRecord;
  enrollmentChanges: Observable<EnrollmentRecord>;
  /** The device id from the keychain identity; throws when the keychain is unavailable. */
  deviceId: () => Promise<string>;
  online: () => boolean;
  /** The terminal's currency when the enrollment does not say (settings). */
  fallbackCurrency: () => string;
  /**
   * Told after every durable write of a sale (the sync engine pushes it when it can, its push window);
   * `urgent` when the sale carries an online authorisation.
   */
  onRecorded?: (urgent: boolean) => void;
  /** Just before a captured sale is written, with its id (the durable cart marks itself paid). */
  beforeSaleWrite?: (saleId: string) => Promise<void>;
  now?: () => number;
  /** Asks the server to authorise a sale above the offline maximum (online-authorisation.ts). */
  authoriseOnline?: OnlineAuthoriser;
  /** The keychain's anti-rollback anchor (trust/rollback-anchor.ts): every sale is anchored there. */
  anchor?: TillAnchor;
}

export interface OverrideInput {
  managerId: string;
  pin: string;
  reason: string;
}

/** Statuses the server has not accepted yet: they count against the offline limits. */
export const UNSYNCED: SaleDoc['status'][] = [...UNSYNCED_SALE_STATES];

export function parsePolicy(record: EnrollmentRecord): Policy | null {
  const parsed = Policy.safeParse(record.policy);
  return parsed.success ? parsed.data : null;
}

/**
 * Sales capture, refunds, voids, shifts and the cashier's views. Every write that takes a sequence
 * number runs in one SerialQueue, and a sale is acknowledged only after RxDB has written it (our
 * storage commits with synchronous=FULL, so the write survives a crash once acknowledged).
 */
export class PosService {
  private readonly queue = new SerialQueue();
  private head: { deviceId: string; head: ChainHead } | null = null;
  private readonly now: () => number;

  constructor(private readonly deps: PosDeps) {
    this.now = deps.now ?? Date.now;
  }

  private get c(): PosCollectionsUsed {
    return this.deps.collections;
  }

  /** Currency of the terminal: the one it was enrolled with, else the settings'. */
  currency(): string {
    return this.deps.enrollment().enrollment.currency ?? this.deps.fallbackCurrency();
  }

  private async requireTrading(): Promise<{ policy: Policy; currency: string }> {
    // A store put back from an older copy records nothing until the till has checked in (#16).
    await this.deps.anchor?.ready();
    const record = this.deps.enrollment();
    const refusal = enrollmentRefusal(record.enrollment.state, record.enrollment.mode);
    if (refusal) throw refusal;
    const currency = this.currency();
    const policy = parsePolicy(record);
    const policyError = policyRefusal(policy, currency);
    if (policyError) throw policyError;
    return { policy: policy!, currency };
  }

  private async openShiftDoc(): Promise<ShiftDoc | null> {
    const doc = await this.c.shifts.findOne({ selector: { state: 'open' } }).exec();
    return doc ? doc.toJSON() : null;
  }

  private async requireShift(): Promise<ShiftDoc> {
    const shift = await this.openShiftDoc();
    if (!shift) throw new ApiError('NO_OPEN_SHIFT', 'Open a shift before taking payments.');
    return shift;
  }

  private async chainHead(deviceId: string): Promise<ChainHead> {
    if (this.head?.deviceId === deviceId) return this.head.head;
    const last = await this.c.sales.findOne({ selector: { deviceId }, sort: [{ seq: 'desc' }] }).exec();
    const stored = last ? { seq: last.seq, hash: last.hash } : GENESIS_HEAD;
    // The keychain's last sale when the store lost it: the sequence continues, never reused (#16).
    const anchored = this.deps.anchor?.head(deviceId);
    const head = anchored && anchored.seq > stored.seq ? anchored : stored;
    this.head = { deviceId, head };
    return head;
  }

  private async audit(
    type: string,
    actor: string,
    data: Record<string, unknown>,
    saleId?: string,
  ): Promise<void> {
    await this.c.audit.insert({
      id: randomUUID(),
      at: this.now(),
      type,
      actor,
      data: JSON.stringify(data),
      ...(saleId ? { saleId } : {}),
    });
  }

  /** Chains, checks and durably writes one sale. Runs inside the queue. */
  private async record(input: {
    kind: Sale['kind'];
    originalSaleId?: string;
    currency: string;
    lines: SaleLine[];
    taxRates: number[];
    tenders: Tender[];
    override?: { manager_id: string; reason: string };
    shiftId: string;
    cashierId: string | undefined;
    /** Runs once the sale has passed checkSale, just before it is written, with its id. */
    beforeWrite?: (saleId: string) => Promise<void>;
    /** The id the server authorised online, with its authorisation (else a fresh id, none). */
    online?: { saleId: string; authorisation: NonNullable<Sale['online_authorisation']> };
  }): Promise<SaleDoc> {
    const deviceId = await this.deps.deviceId();
    const head = await this.chainHead(deviceId);
    const createdAt = this.now();
    const candidate: Sale = {
      sale_id: input.online?.saleId ?? randomUUID(),
      device_id: deviceId,
      seq: head.seq + 1,
      prev_hash: head.hash,
      kind: input.kind,
      ...(input.originalSaleId ? { original_sale_id: input.originalSaleId } : {}),
      created_at: new Date(createdAt).toISOString(),
      online: this.deps.online(),
      currency: input.currency,
      lines: input.lines,
      tenders: input.tenders,
      total_minor: sumTotals(input.lines),
      ...(input.override ? { override: input.override } : {}),
      ...(input.cashierId ? { cashier_id: input.cashierId } : {}),
      ...(input.online ? { online_authorisation: input.online.authorisation } : {}),
    };
    const sale = checkedSale(candidate);
    const hash = saleHash(sale);
    const doc = saleDocument(sale, hash, { createdAt, taxRates: input.taxRates, shiftId: input.shiftId });
    await input.beforeWrite?.(sale.sale_id);
    await this.c.sales.insert(doc);
    // Only a written sale moves the head: a failed write leaves the seq free (nothing holds it).
    this.head = { deviceId, head: { seq: sale.seq, hash } };
    // Anchored in the keychain before it is acknowledged, so a copy put back cannot erase it unseen.
    await afterRecorded(async () => this.deps.anchor?.recorded(deviceId, { seq: sale.seq, hash }));
    return doc;
  }

  private async limitState(deviceId: string, currency: string, totalMinor: number) {
    const now = this.now();
    const today = await this.c.sales
      .find({ selector: { deviceId, createdAt: { $gte: utcDayStart(now) } } })
      .exec();
    const unsynced = await this.c.sales
      .find({ selector: { status: { $in: UNSYNCED } }, sort: [{ createdAt: 'asc' }] })
      .exec();
    return {
      totalMinor,
      currency,
      now,
      salesToday: today.filter((d) => (d.kind ?? 'sale') === 'sale').length,
      unsyncedTotalMinor: unsynced
        .filter((d) => (d.kind ?? 'sale') === 'sale' && d.currency === currency)
        .reduce((s, d) => s + d.totalMinor, 0),
      oldestUnsyncedAt: unsynced[0]?.createdAt ?? null,
      online: this.deps.online(),
    };
  }

  private async authorize(
    override: OverrideInput | undefined,
    lifted: LimitCode[],
  ): Promise<{ manager_id: string; reason: string } | undefined> {
    if (!override || lifted.length === 0) return undefined;
    await this.deps.pins.verify(override.managerId, override.pin);
    return { manager_id: override.managerId, reason: override.reason };
  }

  capture(input: {
    lines: CartLineInput[];
    tenders: TenderInputValue[];
    override?: OverrideInput;
    cashConfirmed?: boolean;
  }): Promise<SaleSummary> {
    return this.queue.run(async () => {
      const { policy, currency } = await this.requireTrading();
      const shift = await this.requireShift();
      const cashierId = await this.deps.cashier?.();
      const lines = input.lines.map(computeLine);
      const total = sumTotals(lines);
      checkCashTender(policy, total, input.tenders, input.cashConfirmed === true);
      const qrInputs = input.tenders.flatMap((t) => (t.type === 'qr' ? [t] : []));
      const claimed = await claimQrTenders(this.c, qrInputs, currency);
      const byId = new Map(claimed.map((c) => [c.verificationId, c.verification]));
      const settle: SettleTender[] = input.tenders.map((t) => {
        if (t.type !== 'qr') return t;
        const verified = byId.get(t.verificationId)!;
        return {
          type: 'qr',
          amountMinor: t.amountMinor,
          payerRef: verified.payerRef,
          signature: verified.signature,
          ...(verified.token ? { token: verified.token } : {}),
        };
      });
      const { tenders } = settleTenders(total, settle);
      const deviceId = await this.deps.deviceId();
      const state = await this.limitState(deviceId, currency, total);
      // Above the offline maximum and online: the server is asked once no hard limit stands in the
      // way, before the manager, so a sale it will not authorise never waits for a manager's PIN.
      const online = wantsOnlineAuthorisation(policy, state, this.deps.authoriseOnline);
      const assumed = { ...state, onlineAuthorised: online };
      enforceLimits(policy, assumed, true);
      const saleId = randomUUID();
      const authorisation = online
        ? await this.deps.authoriseOnline!({ policy, saleId, totalMinor: total, currency })
        : undefined;
      const lifted = enforceLimits(policy, assumed, input.override !== undefined);
      const override = await this.authorize(input.override, lifted);
      const doc = await this.record({
        ...(authorisation ? { online: { saleId, authorisation } } : {}),
        kind: 'sale',
        currency,
        lines,
        taxRates: input.lines.map((l) => l.taxRateBp),
        tenders,
        shiftId: shift.id,
        cashierId,
        ...(override ? { override } : {}),
        // The QR is marked with this sale's id before the sale is written: it is spent only once
        // that sale exists, so a crash in between leaves it usable (qr-verifications.ts).
        beforeWrite: async (saleId) => {
          await markQrTenders(this.c.settings, claimed, saleId, this.now());
          await this.deps.beforeSaleWrite?.(saleId);
        },
      });
      if (override)
        await afterRecorded(() =>
          this.audit(
            'override',
            override.manager_id,
            { lifted, reason: override.reason, totalMinor: total, ...(cashierId ? { cashierId } : {}) },
            doc.id,
          ),
        );
      this.deps.onRecorded?.(authorisation !== undefined);
      return summarize(doc);
    });
  }

  private async original(saleId: string): Promise<{ doc: SaleDoc; sale: Sale; later: Sale[] }> {
    const found = await this.c.sales.findOne(saleId).exec();
    if (!found) throw new ApiError('SALE_NOT_FOUND', 'That sale is not on this terminal.');
    const doc = found.toJSON() as SaleDoc;
    const sale = saleOf(doc);
    if (sale.kind !== 'sale')
      throw new ApiError('REFUND_INVALID', 'Only a sale can be refunded or voided, not a refund or void.');
    const later = (await this.c.sales.find({ selector: { originalSaleId: saleId } }).exec()).map((d) =>
      saleOf(d.toJSON() as SaleDoc),
    );
    if (later.some((s) => s.kind === 'void')) throw new ApiError('SALE_VOIDED', 'That sale has been voided.');
    return { doc, sale, later };
  }

  refund(input: {
    originalSaleId: string;
    lines?: { sku: string; qty: number }[];
    tenders?: TenderInputValue[];
    reason: string;
    override?: OverrideInput;
  }): Promise<SaleSummary> {
    return this.queue.run(async () => {
      const { currency } = await this.requireTrading();
      const shift = await this.requireShift();
      const cashierId = await this.deps.cashier?.();
      const { doc, sale, later } = await this.original(input.originalSaleId);
      if (sale.currency !== currency)
        throw new ApiError(
          'REFUND_INVALID',
          `That sale was in ${sale.currency}, this till is in ${currency}.`,
        );
      const { lines, rates } = apportionRefund(
        sale,
        doc.lines.map((l) => l.taxRate),
        later,
        input.lines,
      );
      const total = sumTotals(lines);
      const back: SettleTender[] = refundTenders(sale, later, total, input.tenders);
      const { tenders } = settleTenders(total, back);
      requireManagerForCashBack(sale, later, tenders, input.override !== undefined);
      const override = input.override
        ? await this.authorize(input.override, ['APPROVAL_REQUIRED'])
        : undefined;
      const written = await this.record({
        kind: 'refund',
        originalSaleId: sale.sale_id,
        currency,
        lines,
        taxRates: rates,
        tenders,
        shiftId: shift.id,
        cashierId,
        ...(override ? { override } : {}),
      });
      await afterRecorded(() =>
        this.audit(
          'refund',
          override?.manager_id ?? cashierId ?? 'cashier',
          { reason: input.reason, totalMinor: total, ...(override && cashierId ? { cashierId } : {}) },
          written.id,
        ),
      );
      this.deps.onRecorded?.(false);
      return summarize(written);
    });
  }

  /** What `refund` would give back for these lines, and what is left per line; records nothing (#18). */
  quoteRefund(input: { originalSaleId: string; lines?: RefundWanted[] }): Promise<RefundQuote> {
    return this.queue.run(async () => {
      const { doc, sale, later } = await this.original(input.originalSaleId);
      return refundQuote(
        sale,
        doc.lines.map((l) => l.taxRate),
        later,
        input.lines,
      );
    });
  }

  void(input: { originalSaleId: string; reason: string }): Promise<SaleSummary> {
    return this.queue.run(async () => {
      const { currency } = await this.requireTrading();
      const shift = await this.requireShift();
      const cashierId = await this.deps.cashier?.();
      const { doc, sale, later } = await this.original(input.originalSaleId);
      if (later.length > 0)
        throw new ApiError(
          'VOID_NOT_ALLOWED',
          'That sale has refunds: refund the rest instead of voiding it.',
        );
      if (doc.shiftId !== shift.id)
        throw new ApiError(
          'VOID_NOT_ALLOWED',
          'Only sales of the current shift can be voided: refund it instead.',
        );
      const tenders = voidTenders(sale);
      const written = await this.record({
        kind: 'void',
        originalSaleId: sale.sale_id,
        currency,
        lines: sale.lines,
        taxRates: doc.lines.map((l) => l.taxRate),
        tenders,
        shiftId: shift.id,
        cashierId,
      });
      await afterRecorded(() =>
        this.audit(
          'void',
          cashierId ?? 'cashier',
          { reason: input.reason, totalMinor: sale.total_minor },
          written.id,
        ),
      );
      this.deps.onRecorded?.(false);
      return summarize(written);
    });
  }

  openShift(floatMinor: number): Promise<Shift> {
    return this.queue.run(async () => {
      if (await this.openShiftDoc())
        throw new ApiError('SHIFT_ALREADY_OPEN', 'A shift is already open: close it first.');
      checkDrawerAmount(parsePolicy(this.deps.enrollment()), floatMinor);
      const cashierId = await this.deps.cashier?.();
      const doc: ShiftDoc = {
        id: randomUUID(),
        deviceId: await this.deps.deviceId(),
        state: 'open',
        openedAt: this.now(),
        closedAt: 0,
        currency: this.currency(),
        floatMinor,
      };
      await this.c.shifts.insert(doc);
      await this.audit('shift.open', cashierId ?? 'cashier', { shiftId: doc.id, floatMinor });
      return shiftView(doc);
    });
  }

  closeShift(countedCashMinor: number): Promise<ZReport> {
    return this.queue.run(async () => {
      const shift = await this.requireShift();
      const cashierId = await this.deps.cashier?.();
      const closedAt = Math.max(this.now(), shift.openedAt);
      const sales = await shiftSales(this.c, shift);
      const report = zReport(
        {
          shiftId: shift.id,
          openedAt: shift.openedAt,
          currency: shift.currency,
          floatMinor: shift.floatMinor,
        },
        sales,
        countedCashMinor,
        closedAt,
        await drawerMoves(this.c, shift.id),
        await cashierNames(this.deps.pins),
      );
      await this.c.shifts.upsert({
        ...shift,
        state: 'closed',
        closedAt,
        countedCashMinor,
        report: JSON.stringify(report),
      });
      await this.audit('shift.close', cashierId ?? 'cashier', {
        shiftId: shift.id,
        expectedCashMinor: report.expectedCashMinor,
        countedCashMinor,
      });
      return report;
    });
  }

  async setManagerPin(input: {
    managerId: string;
    pin: string;
    authorizedBy?: { managerId: string; pin: string };
  }): Promise<{ managerIds: string[] }> {
    return this.queue.run(async () => {
      const managerIds = await this.deps.pins.set(input.managerId, input.pin, input.authorizedBy);
      await this.audit('managerPin.set', input.authorizedBy?.managerId ?? input.managerId, {
        managerId: input.managerId,
      });
      return { managerIds };
    });
  }

  /** A manager's quick-key layout (quick-keys.ts), audited under that manager. */
  setQuickKeys(input: QuickKeysSetInput): Promise<QuickKeysLayout> {
    return this.queue.run(async () => {
      const layout = await saveQuickKeys(this.c.settings, this.deps.pins, input);
      await this.audit('quickKeys.set', input.manager.managerId, { categories: layout.categories.length });
      return layout;
    });
  }

  async searchCatalog(query: string, limit: number): Promise<CatalogEntry[]> {
    // Through the catalog's text index (store/catalog-search.ts): a keystroke reads only the
    // items it shows, not the whole catalog.
    const [items, { images }] = await Promise.all([
      searchCollection(this.c.catalog, fold(query.trim()), limit),
      readServerCatalog(this.c.settings),
    ]);
    return items.map((d) => catalogEntry(d, images));
  }

  async byBarcode(barcode: string): Promise<CatalogEntry | null> {
    const doc = await this.c.catalog.findOne({ selector: { barcode } }).exec();
    return doc ? catalogEntry(doc.toJSON() as CatalogItemDoc) : null;
  }

  currentShift(): Observable<{ shift: Shift | null }> {
    return this.c.shifts
      .findOne({ selector: { state: 'open' } })
      .$.pipe(map((doc) => ({ shift: doc ? shiftView(doc.toJSON() as ShiftDoc) : null })));
  }

  recentSales(limit: number): Observable<{ sales: SaleSummary[] }> {
    return from(this.deps.deviceId()).pipe(
      switchMap(
        (deviceId) =>
          this.c.sales.find({ selector: { deviceId }, sort: [{ seq: 'desc' }], limit }).$ as Observable<
            { toJSON(): unknown }[]
          >,
      ),
      map((docs) => ({
        sales: docs
          .map((d) => d.toJSON() as SaleDoc)
          .filter((d) => d.record)
          .map(summarize),
      })),
    );
  }

  /** The banner: re-emits on every change of the pending sales or the policy, and each minute. */
  pending(tickMs = 60_000): Observable<PendingBanner> {
    const pending$ = this.c.sales.find({ selector: { status: { $in: UNSYNCED } } }).$ as Observable<
      { toJSON(): unknown }[]
    >;
    const rejected$ = this.c.sales.count({ selector: { status: 'rejected' } }).$;
    return combineLatest([
      pending$,
      rejected$,
      this.deps.enrollmentChanges,
      tickMs > 0 ? timer(0, tickMs) : of(0),
    ]).pipe(
      map(([docs, rejected, record]) =>
        pendingBanner(
          docs.map((d) => d.toJSON() as SaleDoc),
          rejected,
          parsePolicy(record),
          this.now(),
        ),
      ),
    );
  }

  /** Waits for queued writes (close). */
  idle(): Promise<void> {
    return this.queue.idle();
  }
}
