import { foldText } from '../store/text-search';
import {
  ApiError,
  type CatalogEntry,
  type PendingBanner,
  type SaleSummary,
  type Shift,
} from '../../../protocol/api';
import type { Sale } from '../../../protocol/bundle/sale';
import type { Policy } from '../../../protocol/http/policies';
import { SALE_SYNC_STATE } from '../../../protocol/states';
import type { CatalogItemDoc, SaleDoc, ShiftDoc } from '../store/schemas/index';
import { HOUR_MS } from './limits';

/*
 * The read models the cashier's screens get, built from stored documents: pure functions, no
 * store, no clock (pos-service.ts reads the documents and hands them here).
 */

/** The API's name of a stored state (protocol/states.ts). */
export function saleState(status: SaleDoc['status']): SaleSummary['status'] {
  return SALE_SYNC_STATE[status];
}

export function saleOf(doc: SaleDoc): Sale {
  if (!doc.record) throw new ApiError('SALE_LEGACY', 'This sale was recorded before sales were signed.');
  return JSON.parse(doc.record) as Sale;
}

export function summarize(doc: SaleDoc): SaleSummary {
  const sale = saleOf(doc);
  const change = sale.tenders.reduce((s, t) => s + (t.change_minor ?? 0), 0);
  return {
    saleId: sale.sale_id,
    seq: sale.seq,
    kind: sale.kind,
    originalSaleId: sale.original_sale_id ?? null,
    createdAt: sale.created_at,
    online: sale.online,
    currency: sale.currency,
    lines: sale.lines.map((l, i) => ({
      sku: l.sku,
      name: l.name,
      qty: l.qty,
      unitPriceMinor: l.unit_price_minor,
      discountMinor: l.discount_minor,
      taxRateBp: doc.lines[i]?.taxRate ?? null,
      taxMinor: l.tax_minor,
      totalMinor: l.total_minor,
    })),
    tenders: sale.tenders.map((t) => ({
      type: t.type,
      amountMinor: t.amount_minor,
      changeMinor: t.change_minor ?? 0,
      brand: t.card?.brand ?? null,
      last4: t.card?.last4 ?? null,
      approvalCode: t.card?.approval_code ?? null,
      payerRef: t.qr?.payer_ref ?? null,
    })),
    taxMinor: sale.lines.reduce((s, l) => s + l.tax_minor, 0),
    totalMinor: sale.total_minor,
    changeMinor: change,
    status: saleState(doc.status),
    statusReason: doc.statusReason ?? null,
    override: sale.override ? { managerId: sale.override.manager_id, reason: sale.override.reason } : null,
    shiftId: doc.shiftId ?? null,
    cashierId: sale.cashier_id ?? null,
    hash: doc.hash,
  };
}

export function shiftView(doc: ShiftDoc): Shift {
  return {
    shiftId: doc.id,
    state: doc.state,
    openedAt: new Date(doc.openedAt).toISOString(),
    closedAt: doc.closedAt ? new Date(doc.closedAt).toISOString() : null,
    currency: doc.currency,
    floatMinor: doc.floatMinor,
  };
}

/** `images`: by sku, the SHA-256 of each picture the till holds (sync/catalog-images.ts). */
export function catalogEntry(doc: CatalogItemDoc, images: Record<string, string> = {}): CatalogEntry {
  return {
    sku: doc.sku,
    barcode: doc.barcode || null,
    name: doc.name,
    priceMinor: doc.priceMinor,
    currency: doc.currency,
    taxRateBp: doc.taxRate,
    image: images[doc.sku] ?? null,
  };
}

/** The catalog's text index folds its entries with the same function (store/catalog-search.ts). */
export const fold = foldText;

/**
 * The banner over the unsynced sales: their count, totals per currency (sales only, refunds and
 * voids do not use up the limit), and how long until the oldest is past the policy's age.
 */
export function pendingBanner(
  sales: readonly SaleDoc[],
  rejected: number,
  policy: Policy | null,
  now: number,
): PendingBanner {
  const totals = new Map<string, number>();
  for (const s of sales)
    if ((s.kind ?? 'sale') === 'sale') totals.set(s.currency, (totals.get(s.currency) ?? 0) + s.totalMinor);
  const oldest = sales.reduce<number | null>(
    (m, s) => (m === null || s.createdAt < m ? s.createdAt : m),
    null,
  );
  const deadline = oldest !== null && policy ? oldest + policy.max_bundle_age_hours * HOUR_MS : null;
  return {
    count: sales.length,
    totals: [...totals.entries()].sort().map(([currency, totalMinor]) => ({ currency, totalMinor })),
    oldestCreatedAt: oldest === null ? null : new Date(oldest).toISOString(),
    maxAgeHours: policy?.max_bundle_age_hours ?? null,
    deadline: deadline === null ? null : new Date(deadline).toISOString(),
    msLeft: deadline === null ? null : deadline - now,
    rejected,
  };
}
