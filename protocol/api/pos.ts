import { z } from 'zod';
import { holdsCardData } from '../card-data';
import { SALE_SYNC_STATES } from '../states';
import { Empty, Text, type FeatureContract } from './feature';
import { PrintOutcome, ReceiptPicture } from './hardware';
import { QrVerificationId } from './qr';
import { QuickKeysLayout, QuickKeysSetInput } from './quick-keys';
import { CashierTally, posCashierCommands, posCashierSubscriptions } from './pos-cashiers';

// ---------------------------------------------------------------------------------------------
// Point of sale (issue 4). Money is an integer count of ISO 4217 minor units; tax rates are basis
// points (1800 = 18 %). Tax is added per line on the discounted amount, rounded half up.
// ---------------------------------------------------------------------------------------------

const Minor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Signed amounts appear only in reports (cash expected minus counted). */
const SignedMinor = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);

export const CatalogEntry = z.object({
  sku: z.string(),
  barcode: z.string().nullable(),
  name: z.string(),
  priceMinor: Minor,
  currency: z.string(),
  taxRateBp: z.number().int().min(0).max(10_000),
  /** The SHA-256 of the product's picture this till holds (pos.catalog.image gives it); null: none. */
  image: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable()
    .optional(),
});
export type CatalogEntry = z.infer<typeof CatalogEntry>;

export const CartLine = z.strictObject({
  sku: Text(64),
  name: Text(200),
  qty: z.number().int().min(1).max(1_000_000),
  unitPriceMinor: Minor,
  /** Off this line before tax; at most qty × unit price. */
  discountMinor: Minor.default(0),
  taxRateBp: z.number().int().min(0).max(10_000),
});
export type CartLine = z.input<typeof CartLine>;

/** What the cashier was handed. Cash is the amount tendered; change is computed. Never a full card number. */
export const TenderInput = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('cash'), amountMinor: Minor }),
  /**
   * A card paid on the external card terminal (issue #18): its approval code is required; the card
   * reader, when one is attached, fills brand, last four digits and its token. Never a card number.
   */
  z.strictObject({
    type: z.literal('card'),
    amountMinor: Minor,
    approvalCode: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z0-9]{6}$/, 'the six letters or digits the card terminal printed'),
    brand: Text(32).optional(),
    last4: z
      .string()
      .regex(/^\d{4}$/, 'the last four digits only')
      .optional(),
    /** The reader's token, never the card number (nor tracks, nor a number typed in groups). */
    token: Text(256)
      .refine((t) => !/\d{12,}/.test(t) && !holdsCardData(t), 'looks like a card number')
      .optional(),
  }),
  /** Only a QR `pos.qr.verify` accepted, by its verificationId; the payer comes from that QR. */
  z.strictObject({ type: z.literal('qr'), amountMinor: Minor, verificationId: QrVerificationId }),
]);
export type TenderInput = z.input<typeof TenderInput>;

/** A manager lifting a limit the policy lets a manager lift (docs/sync.md, "Limits and overrides"). */
export const ManagerOverride = z.strictObject({
  managerId: Text(128),
  pin: z.string().regex(/^\d{4,12}$/, '4 to 12 digits'),
  reason: Text(500),
});

const Tenders = z
  .array(TenderInput)
  .min(1)
  .max(20)
  .refine((t) => t.filter((x) => x.type === 'cash').length <= 1, 'at most one cash tender');

export const SaleCaptureInput = z.strictObject({
  lines: z.array(CartLine).min(1).max(1000),
  tenders: Tenders,
  override: ManagerOverride.optional(),
  /** The cashier confirmed a cash amount whose change is above the approval threshold (CASH_CONFIRM). */
  cashConfirmed: z.literal(true).optional(),
});

export const SaleRefundInput = z.strictObject({
  originalSaleId: z.uuid(),
  /** Items given back; all that is left of the original sale when absent. */
  lines: z
    .array(z.strictObject({ sku: Text(64), qty: z.number().int().min(1).max(1_000_000) }))
    .min(1)
    .max(1000)
    .optional(),
  /** Money given back; one cash tender of the refund total when absent. */
  tenders: Tenders.optional(),
  reason: Text(500),
  override: ManagerOverride.optional(),
});

/** What a refund would give back (#18), before the cashier confirms it; nothing is recorded. */
export const RefundQuoteInput = z.strictObject({
  originalSaleId: z.uuid(),
  /** As pos.sale.refund: all that is left when absent. */
  lines: SaleRefundInput.shape.lines,
});
export const RefundQuote = z.object({
  currency: z.string(),
  /** Each line of the original sale with the quantity still refundable (0: fully refunded). */
  left: z.array(
    z.object({ sku: z.string(), name: z.string(), qty: z.number().int(), unitPriceMinor: Minor }),
  ),
  totalMinor: Minor,
  taxMinor: Minor,
  /** Where the money goes back: the cards that paid first, then cash. */
  tenders: z.array(
    z.object({
      type: z.enum(['cash', 'card']),
      amountMinor: Minor,
      brand: z.string().nullable(),
      last4: z.string().nullable(),
    }),
  ),
});
export type RefundQuote = z.infer<typeof RefundQuote>;

export const SaleVoidInput = z.strictObject({ originalSaleId: z.uuid(), reason: Text(500) });

/** Where a sale stands with the server. */
/** `pending`: recorded here, in no bundle yet; `pushed`: in a bundle sent (or being sent), no answer. */
export const SaleSyncState = z.enum(SALE_SYNC_STATES);
export type SaleSyncState = z.infer<typeof SaleSyncState>;

export const SaleSummary = z.object({
  saleId: z.uuid(),
  seq: z.number().int().min(1),
  kind: z.enum(['sale', 'refund', 'void']),
  originalSaleId: z.uuid().nullable(),
  createdAt: z.iso.datetime(),
  online: z.boolean(),
  currency: z.string(),
  lines: z.array(
    z.object({
      sku: z.string(),
      name: z.string(),
      qty: z.number().int(),
      unitPriceMinor: Minor,
      discountMinor: Minor,
      taxRateBp: z.number().int().nullable(),
      taxMinor: Minor,
      totalMinor: Minor,
    }),
  ),
  tenders: z.array(
    z.object({
      type: z.enum(['cash', 'card', 'qr']),
      amountMinor: Minor,
      changeMinor: Minor,
      brand: z.string().nullable(),
      last4: z.string().nullable(),
      /** The external card terminal's approval code (card tenders recorded since issue #18). */
      approvalCode: z.string().nullable(),
      payerRef: z.string().nullable(),
    }),
  ),
  taxMinor: Minor,
  totalMinor: Minor,
  changeMinor: Minor,
  status: SaleSyncState,
  statusReason: z.string().nullable(),
  override: z.object({ managerId: z.string(), reason: z.string() }).nullable(),
  shiftId: z.string().nullable(),
  /** The cashier signed in when it was recorded; null on a till without cashier accounts. */
  cashierId: z.string().nullable(),
  hash: z.string(),
});
export type SaleSummary = z.infer<typeof SaleSummary>;

export const CurrencyAmount = z.object({ currency: z.string(), totalMinor: Minor });

/** The banner: sales the server has not accepted yet, and how long before the oldest is too old. */
export const PendingBanner = z.object({
  count: z.number().int().min(0),
  /** Sum of `sale` totals per currency (refunds and voids are counted, not summed). */
  totals: z.array(CurrencyAmount),
  oldestCreatedAt: z.iso.datetime().nullable(),
  maxAgeHours: z.number().int().nullable(),
  /** When the oldest pending sale passes the policy's max age; null without pending sales or policy. */
  deadline: z.iso.datetime().nullable(),
  /** Milliseconds left until the deadline at emission (≤ 0 once passed). */
  msLeft: z.number().int().nullable(),
  /** Sales the server refused: they need someone's attention, see sync.status. */
  rejected: z.number().int().min(0),
});
export type PendingBanner = z.infer<typeof PendingBanner>;

export const Shift = z.object({
  shiftId: z.uuid(),
  state: z.enum(['open', 'closed']),
  openedAt: z.iso.datetime(),
  closedAt: z.iso.datetime().nullable(),
  currency: z.string(),
  floatMinor: Minor,
});
export type Shift = z.infer<typeof Shift>;

const CountTotal = z.object({ count: z.number().int().min(0), totalMinor: Minor });

export const ZReport = z.object({
  shiftId: z.uuid(),
  openedAt: z.iso.datetime(),
  closedAt: z.iso.datetime(),
  currency: z.string(),
  floatMinor: Minor,
  sales: CountTotal,
  refunds: CountTotal,
  voids: CountTotal,
  /** Tax collected by sales minus tax given back by refunds and voids. */
  netTaxMinor: SignedMinor,
  /** Net of sales minus refunds and voids. */
  netMinor: SignedMinor,
  /** Per tender type: money kept from sales (after change) and money given back. */
  tenders: z.array(
    z.object({
      type: z.enum(['cash', 'card', 'qr']),
      count: z.number().int().min(0),
      inMinor: Minor,
      outMinor: Minor,
    }),
  ),
  overrides: z.number().int().min(0),
  /** Each cashier's sales, refunds and voids (issue #18). */
  cashiers: z.array(CashierTally).default([]),
  /** Cash put in and taken out of the drawer without a sale, with reasons (pos.drawer.move). */
  paidInMinor: Minor.default(0),
  paidOutMinor: Minor.default(0),
  /** Float + cash kept from sales − cash given back + paid in − paid out. */
  expectedCashMinor: SignedMinor,
  countedCashMinor: Minor,
  /** Counted − expected: negative when cash is missing. */
  differenceMinor: SignedMinor,
});
export type ZReport = z.infer<typeof ZReport>;

/** The X-report: the Z-report of the open shift so far, without closing it or counting the drawer. */
export const XReport = ZReport.omit({ closedAt: true, countedCashMinor: true, differenceMinor: true }).extend(
  {
    at: z.iso.datetime(),
  },
);
export type XReport = z.infer<typeof XReport>;

export const ManagerPinSetInput = z.strictObject({
  managerId: Text(128),
  pin: z.string().regex(/^\d{4,12}$/, '4 to 12 digits'),
  /** An existing manager's credentials; not needed only for the very first manager of the terminal. */
  authorizedBy: z.strictObject({ managerId: Text(128), pin: z.string().regex(/^\d{4,12}$/) }).optional(),
});

/** The quick-key grid as the till shows it: each category's catalog items in the manager's order. */
export const QuickKeysView = z.object({
  categories: z.array(z.object({ name: z.string(), items: z.array(CatalogEntry) })),
});
export type QuickKeysView = z.infer<typeof QuickKeysView>;
/** The OS clock against the till's clock for money (issue #18 item 8): warn when it is off. */
export const TillClockView = z.object({
  /** OS clock minus the till's time (ms): positive when the OS clock is ahead. */
  skewMs: z.number().int(),
  /** Off by more than the server allows a bundle's stamp (30 minutes): the cashier is told. */
  warn: z.boolean(),
});
export type TillClockView = z.infer<typeof TillClockView>;

// ---------------------------------------------------------------------------------------------
// The durable cart (issue #18 item 2): the sale in progress lives in the till's encrypted store,
// written on every change; a cashier parks it under an optional label and recalls it later.
// ---------------------------------------------------------------------------------------------

/** The lines of a cart, as the cashier built them (at most 200). */
export const CartLines = z.array(CartLine).max(200);

export const CurrentCart = z.object({
  lines: CartLines,
  /** When it last changed (ISO), null for a cart never written. */
  updatedAt: z.iso.datetime().nullable(),
});
export type CurrentCart = z.infer<typeof CurrentCart>;

export const ParkedSale = z.object({
  parkedId: z.uuid(),
  label: z.string(),
  parkedAt: z.iso.datetime(),
  lines: CartLines,
});
export type ParkedSale = z.infer<typeof ParkedSale>;

export const posCartCommands = {
  /** Replaces the current cart (every change of the cart on screen). */
  'pos.cart.save': { input: z.strictObject({ lines: CartLines }), output: Empty },
  /** Parks the current cart (not an empty one) under an optional label; the current cart is then empty. */
  'pos.cart.park': {
    input: z.strictObject({ label: Text(64).optional() }),
    output: z.object({ parkedId: z.uuid() }),
  },
  /** Makes a parked sale the current cart; a cart already in progress is parked in its place. */
  'pos.cart.recall': { input: z.strictObject({ parkedId: z.uuid() }), output: CurrentCart },
  /** Drops a parked sale. */
  'pos.cart.discard': { input: z.strictObject({ parkedId: z.uuid() }), output: Empty },
} as const;

export const posCartSubscriptions = {
  'pos.cart.current': { input: Empty, item: CurrentCart },
  'pos.cart.parked': { input: Empty, item: z.object({ parked: z.array(ParkedSale) }) },
} as const;

export const posApi = {
  commands: {
    ...posCartCommands,
    'pos.catalog.search': {
      input: z.strictObject({
        query: z.string().trim().max(100),
        limit: z.number().int().min(1).max(100).default(20),
      }),
      output: z.object({ items: z.array(CatalogEntry) }),
    },
    /** A product's picture the till holds, as a data: URL (issue #19, item 6); null: not held. */
    'pos.catalog.image': {
      input: z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
      output: z.object({
        url: z
          .string()
          .max(64 * 1024)
          .nullable(),
      }),
    },
    'pos.catalog.byBarcode': {
      input: z.strictObject({ barcode: z.string().regex(/^\d{8,14}$/, '8 to 14 digits') }),
      output: z.object({ item: CatalogEntry.nullable() }),
    },
    /** Records a sale once it is durably written; refusals carry a code (LIMIT_AMOUNT, NO_OPEN_SHIFT, …). */
    'pos.sale.capture': { input: SaleCaptureInput, output: SaleSummary },
    'pos.sale.refund': { input: SaleRefundInput, output: SaleSummary },
    'pos.sale.void': { input: SaleVoidInput, output: SaleSummary },
    /** The amount and tenders a refund would give back, and what is left per line; records nothing. */
    'pos.sale.refundQuote': { input: RefundQuoteInput, output: RefundQuote },
    'pos.shift.open': { input: z.strictObject({ floatMinor: Minor }), output: Shift },
    'pos.shift.close': { input: z.strictObject({ countedCashMinor: Minor }), output: ZReport },
    /** A manager arranges the quick keys (protocol/api/quick-keys.ts); MANAGER_PIN_INVALID otherwise. */
    'pos.quickKeys.set': { input: QuickKeysSetInput, output: QuickKeysLayout },
    ...posCashierCommands,
    'pos.shift.xReport': { input: Empty, output: XReport },
    'pos.managerPin.set': {
      input: ManagerPinSetInput,
      output: z.object({ managerIds: z.array(z.string()) }),
    },
    /**
     * Prints a recorded sale's receipt on the chosen printer. The job id is the sale and copy number,
     * so a retry after an error or a restart never prints the same copy twice (`already-printed`).
     * Refusals: NO_PRINTER, PRINTER_DISCONNECTED, PAPER_OUT, COVER_OPEN, PRINTER_OFFLINE, SALE_NOT_FOUND.
     */
    'pos.receipt.print': {
      input: z.strictObject({ saleId: z.uuid(), copy: z.number().int().min(1).max(99).default(1) }),
      output: PrintOutcome,
    },
    /**
     * Prints another copy of a recorded sale's receipt (from recent sales), marked as a copy: the
     * next copy number that has not printed, so each press prints exactly one more.
     */
    'pos.receipt.reprint': { input: z.strictObject({ saleId: z.uuid() }), output: PrintOutcome },
    /** Prints a closed shift's Z-report; refusals as pos.receipt.print, and SHIFT_NOT_CLOSED. */
    'pos.zreport.print': {
      input: z.strictObject({ shiftId: z.uuid(), copy: z.number().int().min(1).max(99).default(1) }),
      output: PrintOutcome,
    },
    /**
     * Prints the open shift's X-report as it stands now (mid-shift, nothing closed); each press is
     * a new reading and prints. Refusals as pos.receipt.print, and NO_OPEN_SHIFT.
     */
    'pos.xreport.print': { input: Empty, output: PrintOutcome },
    /** The on-screen receipt: drawn from the same description the printer gets. */
    'pos.receipt.preview': { input: z.strictObject({ saleId: z.uuid() }), output: ReceiptPicture },
  },
  subscriptions: {
    ...posCartSubscriptions,
    'pos.pending': { input: Empty, item: PendingBanner },
    'pos.quickKeys': { input: Empty, item: QuickKeysView },
    'pos.shift.current': { input: Empty, item: z.object({ shift: Shift.nullable() }) },
    ...posCashierSubscriptions,
    'pos.clock': { input: Empty, item: TillClockView },
    'pos.sales.recent': {
      input: z.strictObject({ limit: z.number().int().min(1).max(100).default(20) }),
      item: z.object({ sales: z.array(SaleSummary) }),
    },
  },
} as const satisfies FeatureContract;
