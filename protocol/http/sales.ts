import { z } from 'zod';
import { Currency, DeviceId, IsoDateTime, plainText, Uuid } from './common';
import { BundleStatus, CurrencyTotal, ReviewItem, ScoreReason } from './payments';

/**
 * The back office's sales, bundles, takings and ledger (issue #19, items 7 and 8): what the /admin
 * console's Review, Sales, Takings and Ledger pages read. Queries are strict (an unknown parameter
 * is a 400) and every range is bounded. Days are calendar days in the time zone `tz` names (an IANA
 * name such as `Africa/Dakar`; default `UTC`): the console sends the browser's own zone, so "today"
 * is the owner's day. Amounts are integer minor units of their own currency (protocol/money.ts);
 * currencies are never added together.
 */

export const SALE_STATES = ['pending', 'reconciled', 'held', 'rejected'] as const;
export const SALE_KINDS = ['sale', 'refund', 'void'] as const;
export const TENDERS = ['cash', 'card', 'qr'] as const;

/** A calendar day, YYYY-MM-DD, that exists. */
export const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD')
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === d && d >= '2000-01-01';
  }, 'a day that exists, from 2000-01-01');

/** An IANA time zone name the runtime knows, or UTC. Checked again by the server (TIME_ZONE_UNKNOWN). */
export const TimeZone = z.string().regex(/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/, 'an IANA time zone name');

/** A non-negative amount in minor units, as a query parameter. */
const QueryMinor = z
  .string()
  .regex(/^\d{1,15}$/, 'a whole number of minor units, at most 15 digits')
  .transform(Number);

/** The most sales one page of GET /offline/sales answers. */
export const SALES_PAGE_MAX = 200;
/** The longest date range a search or an export may cover, in days. */
export const SALES_RANGE_MAX_DAYS = 366;
/** The most rows a CSV export writes; a search matching more asks for a narrower one. */
export const SALES_EXPORT_MAX_ROWS = 50_000;
/** The most bundles one page of the review queue answers (also the old unpaged answer's cap). */
export const REVIEW_PAGE_MAX = 500;

/** The filters of a sales search and of its CSV export. */
export const SalesFilter = z.object({
  device_id: DeviceId.optional(),
  cashier_id: plainText(128).optional(),
  /** First day, inclusive, in `tz`. */
  from: Day.optional(),
  /** Last day, inclusive, in `tz`. */
  to: Day.optional(),
  tz: TimeZone.default('UTC'),
  status: z.enum(SALE_STATES).optional(),
  kind: z.enum(SALE_KINDS).optional(),
  currency: Currency.optional(),
  /** Total at least this, in the sale's own minor units (pair it with `currency`). */
  min_minor: QueryMinor.optional(),
  /** Total at most this, in the sale's own minor units. */
  max_minor: QueryMinor.optional(),
});
export type SalesFilter = z.output<typeof SalesFilter>;

/** GET /offline/sales: the filters, then keyset paging (newest first). */
export const SalesQuery = SalesFilter.extend({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, `1-${SALES_PAGE_MAX}`)
    .transform(Number)
    .pipe(z.number().int().min(1).max(SALES_PAGE_MAX))
    .default(50),
  /** `next_cursor` of the previous page; opaque. */
  cursor: z.string().max(400).optional(),
}).strict();
export type SalesQuery = z.output<typeof SalesQuery>;

/** GET /offline/sales/export: the same filters; `from` and `to` are required there. */
export const SalesExportQuery = SalesFilter.extend({ from: Day, to: Day }).strict();

/** One signed sale, refund or void as the server holds it (by device_id and sale_id together). */
export const SaleRecord = z.object({
  device_id: DeviceId,
  sale_id: Uuid,
  seq: z.number().int().min(1),
  bundle_id: Uuid,
  kind: z.enum(SALE_KINDS),
  /** A refund's or void's original sale (same device). */
  original_sale_id: Uuid.nullable(),
  status: z.enum(SALE_STATES),
  currency: Currency,
  total_minor: z.number().int().min(0),
  tax_minor: z.number().int().min(0),
  /** Net money per tender: cash is what was handed over minus change. */
  cash_minor: z.number().int().min(0),
  card_minor: z.number().int().min(0),
  qr_minor: z.number().int().min(0),
  /** The cashier signed in at the till (issue #18); null on tills before cashier accounts. */
  cashier_id: z.string().nullable(),
  /** The till's signed time of the sale. */
  created_at: IsoDateTime,
  online: z.boolean(),
  override_used: z.boolean(),
  reconciled_at: IsoDateTime.nullable(),
});
export type SaleRecord = z.infer<typeof SaleRecord>;

export const SalesPage = z.object({
  sales: z.array(SaleRecord),
  /** Pass as `cursor` for the next page; null on the last one. */
  next_cursor: z.string().nullable(),
});
export type SalesPage = z.infer<typeof SalesPage>;

/** CSV text (GET /offline/sales/export). */
export const SalesCsv = z.string();

// ---- Bundles and the review queue ----

/** GET /offline/review: optional filters and keyset paging (oldest first, as before). */
export const ReviewQuery = z
  .object({
    status: z.enum(['review', 'quarantined']).optional(),
    /** Only bundles with this reason in their score. */
    reason: ScoreReason.shape.code.optional(),
    device_id: DeviceId.optional(),
    limit: z
      .string()
      .regex(/^\d{1,3}$/, `1-${REVIEW_PAGE_MAX}`)
      .transform(Number)
      .pipe(z.number().int().min(1).max(REVIEW_PAGE_MAX))
      .default(REVIEW_PAGE_MAX),
    cursor: z.string().max(400).optional(),
  })
  .strict();

/** GET /offline/review: held bundles, oldest first. */
export const ReviewPage = z.object({
  bundles: z.array(ReviewItem),
  /** Pass as `cursor` for the next page; null on the last one. */
  next_cursor: z.string().nullable(),
});
export type ReviewPage = z.infer<typeof ReviewPage>;

/** GET /offline/sales/bundles/:bundle_id: a bundle, its score's reasons, its sales and its review. */
export const BundleDetail = z.object({
  bundle_id: Uuid,
  device_id: DeviceId,
  till_name: z.string().nullable(),
  status: BundleStatus,
  sira_score: z.number().min(0).max(1),
  reasons: z.array(ScoreReason),
  tx_count: z.number().int().min(1),
  totals: z.array(CurrencyTotal),
  received_at: IsoDateTime,
  reconciled_at: IsoDateTime.nullable(),
  /** The review decision, once made: who, when and the reason they gave. */
  review: z
    .object({ by_email: z.string().nullable(), at: IsoDateTime, note: z.string().nullable() })
    .nullable(),
  sales: z.array(SaleRecord),
});
export type BundleDetail = z.infer<typeof BundleDetail>;

// ---- Takings ----

/**
 * A sum of minor units as exact decimal text: a day's or the ledger's sums of till-signed amounts
 * can pass 2^53 − 1, which a JSON number cannot hold exactly (#16, red-team pass 10 L-2).
 */
const Minor = z.string().regex(/^-?\d+$/, 'an exact integer, as text');
const MinorNonNegative = z.string().regex(/^\d+$/, 'an exact non-negative integer, as text');

/** GET /offline/sales/takings: one day, optionally one till. */
export const TakingsQuery = z
  .object({ day: Day, tz: TimeZone.default('UTC'), device_id: DeviceId.optional() })
  .strict();

/**
 * The money of one tender, taken by one cashier at one till in one currency that day. Refunds
 * and voids are the money given back (their own tenders); `net_minor` = sales − refunds, and may
 * be negative (a refund of an earlier day's sale). Sums are decimal text (`Minor`), counts numbers.
 */
export const TakingsRow = z.object({
  device_id: DeviceId,
  till_name: z.string().nullable(),
  cashier_id: z.string().nullable(),
  tender: z.enum(TENDERS),
  currency: Currency,
  sales_count: z.number().int().min(0),
  sales_minor: MinorNonNegative,
  refunds_count: z.number().int().min(0),
  refunds_minor: MinorNonNegative,
  net_minor: Minor,
});
export type TakingsRow = z.infer<typeof TakingsRow>;

export const TakingsTotal = z.object({
  currency: Currency,
  sales_minor: MinorNonNegative,
  refunds_minor: MinorNonNegative,
  net_minor: Minor,
});

export const Takings = z.object({
  day: Day,
  tz: z.string(),
  /** The day's bounds as instants. */
  from: IsoDateTime,
  to: IsoDateTime,
  /** Sales the server accepted (pending or reconciled), by till, cashier, tender and currency. */
  rows: z.array(TakingsRow),
  /** Per currency, every till together; never one sum of several currencies. */
  totals: z.array(TakingsTotal),
  /** Not counted: held for review, or rejected; per status and currency, so nothing is silent. */
  not_counted: z.array(
    z.object({
      status: z.enum(['held', 'rejected']),
      currency: Currency,
      count: z.number().int().min(1),
      total_minor: MinorNonNegative,
    }),
  ),
});
export type Takings = z.infer<typeof Takings>;

// ---- The ledger's balance check ----

/** POST /offline/ledger/check: Σ debits = Σ credits per currency and per sale, and no orphans. */
export const LedgerCheckResult = z.object({
  balanced: z.boolean(),
  checked_at: IsoDateTime,
  entries: z.number().int().min(0),
  by_currency: z.array(
    z.object({ currency: z.string(), debit_minor: Minor, credit_minor: Minor, difference_minor: Minor }),
  ),
  /** Sales whose own legs do not balance or mix currencies (at most 100 named; `count` is all). */
  unbalanced_sales: z.object({
    count: z.number().int().min(0),
    sample: z.array(z.object({ device_id: z.string().nullable(), sale_id: Uuid })),
  }),
  /** Ledger entries whose (bundle, sale) the server does not hold. */
  entries_without_sale: z.object({
    count: z.number().int().min(0),
    sample: z.array(z.object({ bundle_id: Uuid, sale_id: Uuid })),
  }),
  /** Reconciled sales with no ledger entry. */
  reconciled_without_entries: z.object({
    count: z.number().int().min(0),
    sample: z.array(z.object({ device_id: z.string(), sale_id: Uuid })),
  }),
});
export type LedgerCheckResult = z.infer<typeof LedgerCheckResult>;

export const SalesErrorCode = {
  /** A `cursor` that is not a previous answer's `next_cursor`. */
  CURSOR_INVALID: 'CURSOR_INVALID',
  /** `from` after `to`, or `min_minor` above `max_minor`. */
  RANGE_INVERTED: 'RANGE_INVERTED',
  /** A date range longer than SALES_RANGE_MAX_DAYS. */
  RANGE_TOO_LONG: 'RANGE_TOO_LONG',
  /** `tz` names no time zone the server knows. */
  TIME_ZONE_UNKNOWN: 'TIME_ZONE_UNKNOWN',
  /** An export matching more than SALES_EXPORT_MAX_ROWS sales: narrow it. */
  EXPORT_TOO_LARGE: 'EXPORT_TOO_LARGE',
} as const;
export type SalesErrorCode = (typeof SalesErrorCode)[keyof typeof SalesErrorCode];

export const SALES_ERROR_STATUS: Record<SalesErrorCode, number> = {
  CURSOR_INVALID: 400,
  RANGE_INVERTED: 400,
  RANGE_TOO_LONG: 400,
  TIME_ZONE_UNKNOWN: 400,
  EXPORT_TOO_LARGE: 400,
};
