import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalBytes } from '../crypto/canonical';
import { text } from '../text';
import {
  Currency,
  DeviceId,
  IsoDateTime,
  NonNegativeMinor,
  plainText,
  refuseCardData,
  storedText,
  Uuid,
} from './common';
import { RequestNonce, ServerStatement } from '../licence/server-statement';
import { Policy } from './policies';
import { Category, ItemPlacement, Shop } from './catalog';
import { CashierRoster } from './cashier-roster';
import { BUNDLE_STATES } from '../states';

/**
 * The payments contract between terminals and the server (payments seed: POST /offline/push,
 * GET /offline/bundles/:bundle_id). The request body of a push is a `BundleEnvelope`
 * (protocol/bundle): its own Ed25519 signature authenticates it, so a terminal can re-send the very
 * same bytes after a lost answer and get the same answer back.
 */

/** Where a pushed bundle stands. `rejected` bundles are never stored beyond their audit entry. */
export const BundleStatus = z.enum(BUNDLE_STATES);
export type BundleStatus = z.infer<typeof BundleStatus>;

/** Why the fraud score is what it is; each reason is a stable code plus its weight. */
export const ScoreReason = z.object({
  code: z.enum([
    'VELOCITY',
    'AMOUNT_NEAR_LIMIT',
    'AMOUNT_OVER_LIMIT',
    'DAILY_COUNT_OVER_LIMIT',
    'UNSYNCED_TOTAL_OVER_LIMIT',
    'CLOCK_ANOMALY',
    'SEQUENCE_GAP',
    'CHAIN_BREAK',
    'REPEATED_CARD',
    'OVERRIDE_USED',
    'INVALID_SALE',
    /** A refund or void whose original sale the server does not hold for this device or tenant. */
    'REFUND_UNKNOWN_ORIGINAL',
    /**
     * A refund or void that does not fit its original: another currency or tenant, an original that
     * is not a sale or was rejected, more than remains refundable of it, card or QR money back beyond
     * what that tender paid, or cash back beyond the cash the original took without an override.
     */
    'REFUND_MISMATCH',
    /** A customer payment QR (by its issuer signature) that already paid another sale, or this one. */
    'DUPLICATE_QR',
    /**
     * A QR tender whose QR does not verify against the server's issuer keys, or is not the QR the
     * tender names (amount, currency, payer, signature), or was issued after the sale, had expired at
     * it or claims a lifetime beyond QR_MAX_LIFETIME_MS: quarantine.
     */
    'QR_TOKEN_INVALID',
    /**
     * A QR tender whose token pays another terminal's payment request (its `request_ref` names another
     * device: protocol/qr/request-ref.ts): quarantine, never posted.
     */
    'QR_PAYEE_MISMATCH',
    /** A QR tender without the QR to verify (a till before the check), or its key since withdrawn: review. */
    'QR_UNVERIFIED',
    /**
     * A QR-paid sale stamped where the till cannot have taken it: before the till was registered, or
     * before a sale it recorded earlier (a lower seq). An expired QR made to look valid by a
     * backdated created_at (issue #16, eighth pass L-4): review.
     */
    'QR_BACKDATED',
    /** A sale above the policy's approval_threshold that carries no manager override. */
    'APPROVAL_MISSING',
    /**
     * For a tenant whose cashiers the back office manages: a sale naming no cashier, or one the
     * shop's roster does not have (issue #16, twelfth pass L-B): review.
     */
    'CASHIER_UNKNOWN',
    /** For such a tenant: a sale by a cashier disabled at or before the sale's created_at: review. */
    'CASHIER_DISABLED',
  ]),
  weight: z.number().min(0).max(1),
  detail: z.string().max(500),
});
export type ScoreReason = z.infer<typeof ScoreReason>;

/** 200 answer to POST /offline/push — the seed's shape plus what a terminal needs to act on it. */
export const PushResponse = z.object({
  success: z.literal(true),
  bundle_id: Uuid,
  status: BundleStatus.exclude(['rejected']),
  /** 0..1; below 0.15 accepted, up to 0.35 review, above quarantined (payments seed). */
  sira_score: z.number().min(0).max(1),
  reasons: z.array(ScoreReason),
  transactions_count: z.number().int().min(1),
  /** True when this exact bundle had been received before: nothing new was created. */
  duplicate: z.boolean(),
  server_time: IsoDateTime,
  /**
   * The server's word on this bundle (issue #16): `answer_sha256` is pushAnswerSha256 of this
   * answer, for the envelope's device, `request_nonce` null (the bundle id, which the device signed
   * in its envelope, is what binds it). A till applies the status only when it verifies; otherwise
   * it keeps the bundle pending and sends the same bytes again later.
   */
  statement: z.unknown().optional(),
});
export type PushResponse = z.infer<typeof PushResponse>;

/**
 * `statement.answer_sha256` of a push answer: SHA-256, lowercase hex, of the canonical JSON of
 * `{bundle_id, status, reasons}` (reasons: code, weight, detail), what a till acts on.
 */
export function pushAnswerSha256(answer: Pick<PushResponse, 'bundle_id' | 'status' | 'reasons'>): string {
  return sha256Hex({
    bundle_id: answer.bundle_id,
    status: answer.status,
    reasons: answer.reasons.map(coveredReason),
  });
}

const coveredReason = (r: ScoreReason) => ({ code: r.code, weight: r.weight, detail: r.detail });
const sha256Hex = (value: unknown) => createHash('sha256').update(canonicalBytes(value)).digest('hex');

/**
 * Error codes of POST /offline/push. A rejected bundle leaves no bundle, transaction or ledger row;
 * the terminal keeps its sales and shows the reason. Status per code in PAYMENT_ERROR_STATUS.
 */
export const PaymentErrorCode = {
  INVALID_BUNDLE: 'INVALID_BUNDLE',
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  DECRYPTION_FAILED: 'DECRYPTION_FAILED',
  BUNDLE_MISMATCH: 'BUNDLE_MISMATCH',
  DEVICE_NOT_FOUND: 'DEVICE_NOT_FOUND',
  /**
   * The signing device is not a POS terminal of a tenant (registered by a pay_admin or enrolled with
   * an enrollment code): a laptop a user registered for reading cannot push sales, refunds or QR
   * payments.
   */
  DEVICE_NOT_TERMINAL: 'DEVICE_NOT_TERMINAL',
  /** hpke.server_key_id names no current or recent server key (docs/protocol.md §5.3). */
  UNKNOWN_SERVER_KEY: 'UNKNOWN_SERVER_KEY',
  /** The nonce was already used by another bundle from this device. */
  REPLAYED_NONCE: 'REPLAYED_NONCE',
  /** device_clock differs from the server's by more than 30 minutes. */
  CLOCK_SKEW: 'CLOCK_SKEW',
  /** The oldest sale is older than the policy's max_bundle_age_hours. */
  BUNDLE_TOO_OLD: 'BUNDLE_TOO_OLD',
  /** Offline payments are disabled for the device's country. */
  POLICY_DISABLED: 'POLICY_DISABLED',
  /** No offline payment policy exists for the device's country: no limits, so no payments. */
  POLICY_MISSING: 'POLICY_MISSING',
  /** A sale, refund or void is in another currency than the country policy's. */
  CURRENCY_NOT_ALLOWED: 'CURRENCY_NOT_ALLOWED',
  /**
   * No longer answered (red-team pass 7, M-c): absurd cash is now a score reason (INVALID_SALE,
   * quarantine) naming the sale, not a refusal. Kept so a till reads an older server's answer.
   */
  TENDER_ABSURD: 'TENDER_ABSURD',
  /**
   * The bundle's sequence range overlaps sales the server already holds for this device (a restart of
   * an old range). A bundle starting beyond the next expected number is stored and flagged
   * (reason SEQUENCE_GAP), not refused.
   */
  SEQUENCE_CONFLICT: 'SEQUENCE_CONFLICT',
  /**
   * This device already stored a bundle under this bundle_id, with other content. A bundle is
   * (device_id, bundle_id): another device's bundle under the same id never causes it (#16, 13th pass M-1).
   */
  BUNDLE_ID_REUSED: 'BUNDLE_ID_REUSED',
  BUNDLE_NOT_FOUND: 'BUNDLE_NOT_FOUND',
  /** A console lookup by bundle_id alone that more than one device's bundle answers: name the device_id. */
  BUNDLE_AMBIGUOUS: 'BUNDLE_AMBIGUOUS',
  REVIEW_NOT_PENDING: 'REVIEW_NOT_PENDING',
  /** A sale's QR tender without `qr.text`: nothing to verify, so it is refused (red-team pass 11, M-1). */
  QR_TEXT_REQUIRED: 'QR_TEXT_REQUIRED',
  /**
   * Approving would credit a customer QR that already pays an accepted or posted sale of another
   * bundle (red-team pass 11, M-2): reject one of the two. Or another sale of the same bundle:
   * reject the bundle.
   */
  QR_ALREADY_CREDITED: 'QR_ALREADY_CREDITED',
} as const;
export type PaymentErrorCode = (typeof PaymentErrorCode)[keyof typeof PaymentErrorCode];

export const PAYMENT_ERROR_STATUS: Record<PaymentErrorCode, number> = {
  INVALID_BUNDLE: 400,
  INVALID_SIGNATURE: 401,
  DECRYPTION_FAILED: 400,
  BUNDLE_MISMATCH: 400,
  DEVICE_NOT_FOUND: 404,
  DEVICE_NOT_TERMINAL: 403,
  UNKNOWN_SERVER_KEY: 422,
  REPLAYED_NONCE: 409,
  CLOCK_SKEW: 422,
  BUNDLE_TOO_OLD: 422,
  POLICY_DISABLED: 403,
  POLICY_MISSING: 403,
  CURRENCY_NOT_ALLOWED: 422,
  TENDER_ABSURD: 422,
  SEQUENCE_CONFLICT: 409,
  BUNDLE_ID_REUSED: 409,
  BUNDLE_NOT_FOUND: 404,
  BUNDLE_AMBIGUOUS: 409,
  REVIEW_NOT_PENDING: 409,
  QR_TEXT_REQUIRED: 422,
  QR_ALREADY_CREDITED: 409,
};

export const CurrencyTotal = z.object({ currency: Currency, total_minor: NonNegativeMinor });

export const BundleTransaction = z.object({
  sale_id: Uuid,
  seq: z.number().int().min(1),
  kind: z.enum(['sale', 'refund', 'void']),
  currency: Currency,
  total_minor: NonNegativeMinor,
  created_at: IsoDateTime,
  status: z.enum(['pending', 'reconciled', 'held', 'rejected']),
});

export const BundleParams = z.object({ bundle_id: Uuid });
/**
 * A bundle is (device_id, bundle_id): ops and pay_admin name the device too, or get
 * 409 BUNDLE_AMBIGUOUS when several devices pushed a bundle under that id. A device names only its own.
 */
export const BundleQuery = z.object({ device_id: DeviceId.optional() }).strict();

/** GET /offline/bundles/:bundle_id (the device that pushed it, or ops / pay_admin). */
export const BundleStatusResponse = z.object({
  success: z.literal(true),
  bundle: z.object({
    bundle_id: Uuid,
    device_id: DeviceId,
    status: BundleStatus,
    sira_score: z.number().min(0).max(1),
    reasons: z.array(ScoreReason),
    tx_count: z.number().int().min(1),
    totals: z.array(CurrencyTotal),
    received_at: IsoDateTime,
    reconciled_at: IsoDateTime.nullable(),
    transactions: z.array(BundleTransaction),
  }),
});
export type BundleStatusResponse = z.infer<typeof BundleStatusResponse>;

/** What a terminal pulls (device-signed GET /offline/sync/payments?since=<cursor>). */
export const CatalogItem = z.object({
  sku: plainText(64),
  barcode: z
    .string()
    .regex(/^\d{8,14}$/)
    .nullable(),
  name: plainText(200),
  price_minor: NonNegativeMinor,
  currency: Currency,
  /** Basis points: 1800 = 18 % (Senegal's VAT). */
  tax_rate_bp: z.number().int().min(0).max(10_000),
  active: z.boolean(),
  // Answered only to a till that pulls with `catalog=2` (issue #19).
  ...ItemPlacement,
});
export type CatalogItem = z.infer<typeof CatalogItem>;

/**
 * An item as an operator writes it: `barcode`, when `barcodes` is given too, is its first one; a
 * quick key needs a category. Omitted `barcodes`, `category_id`, `quick_key`: none (an item is
 * replaced whole).
 */
export const CatalogItemInput = CatalogItem.superRefine((item, ctx) => {
  if (item.barcodes && item.barcode !== null && item.barcodes[0] !== item.barcode)
    ctx.addIssue({ code: 'custom', path: ['barcode'], message: 'must be the first of barcodes' });
  if (item.quick_key != null && item.category_id == null)
    ctx.addIssue({ code: 'custom', path: ['quick_key'], message: 'a quick key needs a category_id' });
  refuseCardData(item, ctx, ['sku', 'name']);
});

/** Default and largest page of a pull: catalog items and bundle outcomes counted together. */
export const PULL_PAGE_DEFAULT = 500;
export const PULL_PAGE_MAX = 1000;

export const PaymentsPullQuery = z.object({
  /** The `cursor` of the previous answer (a page cursor while `more` was true); absent: everything. */
  since: text(200, 0).optional(),
  /** Page size, 1..PULL_PAGE_MAX (default PULL_PAGE_DEFAULT). */
  limit: z
    .string()
    .regex(/^\d{1,4}$/, 'an integer')
    .transform(Number)
    .pipe(z.number().int().min(1).max(PULL_PAGE_MAX))
    .optional(),
  /**
   * Fresh per request (16-32 random bytes, base64url); echoed in the signed `statement`, so an old
   * answer cannot be replayed. Optional for tills from before issue #16; a current till always sends it.
   */
  request_nonce: RequestNonce.optional(),
  /**
   * `2`: the till understands the back office's catalog (issue #19): items carry barcodes,
   * category_id and quick_key, and the answer carries `categories` and `shop`, all covered by
   * `answer_sha256`. Absent: the answer of before, for older tills.
   */
  catalog: z.literal('2').optional(),
  /**
   * `1`: the till takes the shop's cashier roster from the back office (issue #19): the answer
   * carries `roster`, covered by `answer_sha256`.
   */
  roster: z.literal('1').optional(),
});

export const PaymentsPullResponse = z.object({
  /** Informational only: a till trusts `statement.server_time`, never this. */
  server_time: IsoDateTime,
  /** Informational only: a till saves `statement.policy`, never this. */
  policy: Policy.nullable(),
  /**
   * `server_time` and `policy` signed by the server's signing key, for this device and the request's
   * `request_nonce` (null when the request carried none): what a till applies (docs/protocol.md).
   */
  statement: ServerStatement,
  /**
   * Items changed since the cursor (all of them on the first pull), for the device's tenant, in sku
   * order. A page holds at most `limit` catalog items and bundle outcomes together, catalog first.
   */
  catalog: z.array(CatalogItem),
  /** Outcomes of this device's bundles that changed since the cursor. */
  bundles: z.array(
    z.object({
      bundle_id: Uuid,
      status: BundleStatus,
      reasons: z.array(ScoreReason),
      updated_at: IsoDateTime,
    }),
  ),
  /**
   * Opaque; send it back as `since`. While `more` is true it points into this pull (the next page);
   * once `more` is false it is where the next pull starts. Storing it after each page is safe.
   */
  cursor: text(200, 0),
  /**
   * True when there are more items than this page held: pull again at once with `since=cursor`.
   * Absent (a server before paging) means false.
   */
  more: z.boolean().default(false),
  /** Highest sequence number the server holds for this device: the terminal resumes from here. */
  last_seq: z.number().int().min(0),
  /** `catalog=2` only: every quick grid category of the tenant (not a delta), by position. */
  categories: z.array(Category).optional(),
  /** `catalog=2` only: the shop's receipt details; null when the back office has none. */
  shop: Shop.nullable().optional(),
  /**
   * `roster=1` only: the tenant's cashier roster, signed by the server (./cashier-roster.ts), on
   * every page; null while the back office has no cashier for the tenant.
   */
  roster: CashierRoster.nullable().optional(),
});
export type PaymentsPullResponse = z.infer<typeof PaymentsPullResponse>;

/**
 * `statement.answer_sha256` of a pull answer (issue #16): SHA-256, lowercase hex, of the canonical
 * JSON (RFC 8785) of `{catalog, bundles, cursor, more, last_seq}` with, field by field, exactly the
 * fields this schema lists (catalog items: sku, barcode, name, price_minor, currency, tax_rate_bp,
 * active; outcomes: bundle_id, status, reasons (code, weight, detail), updated_at). The server signs
 * it; a till recomputes it from the answer it parsed and applies nothing unless the two are equal,
 * so a proxy can change no price, product, outcome or cursor. Fields outside the list are never
 * applied and are not covered. An answer to `catalog=2` (issue #19) also covers each item's
 * barcodes, category_id and quick_key, and `categories` (category_id, name, position) and `shop`
 * (name, address, tax_id). An answer to `roster=1` also covers `roster` (the signed roster whole,
 * or null).
 */
export function pullAnswerSha256(
  answer: Pick<
    PaymentsPullResponse,
    'catalog' | 'bundles' | 'cursor' | 'more' | 'last_seq' | 'categories' | 'shop' | 'roster'
  >,
): string {
  // A `catalog=2` answer (it has `categories`) covers the back office's fields too; an answer to an
  // older till covers exactly what it always did, so its digest does not change (issue #19).
  const v2 = answer.categories !== undefined;
  const covered = {
    catalog: answer.catalog.map((i) => ({
      sku: i.sku,
      barcode: i.barcode,
      name: i.name,
      price_minor: i.price_minor,
      currency: i.currency,
      tax_rate_bp: i.tax_rate_bp,
      active: i.active,
      ...(v2
        ? { barcodes: i.barcodes ?? [], category_id: i.category_id ?? null, quick_key: i.quick_key ?? null }
        : {}),
      // A picture's name, only on an item that has one, so other items' digests do not change.
      ...(v2 && i.image
        ? {
            image: {
              sha256: i.image.sha256,
              content_type: i.image.content_type,
              width: i.image.width,
              height: i.image.height,
            },
          }
        : {}),
    })),
    bundles: answer.bundles.map((b) => ({
      bundle_id: b.bundle_id,
      status: b.status,
      reasons: b.reasons.map(coveredReason),
      updated_at: b.updated_at,
    })),
    cursor: answer.cursor,
    more: answer.more,
    last_seq: answer.last_seq,
    ...(v2
      ? {
          categories: (answer.categories ?? []).map((c) => ({
            category_id: c.category_id,
            name: c.name,
            position: c.position,
          })),
          shop: answer.shop
            ? { name: answer.shop.name, address: answer.shop.address, tax_id: answer.shop.tax_id }
            : null,
        }
      : {}),
    // An answer to `roster=1` covers the signed roster whole, null included: a proxy can neither
    // strip a roster (holding back a disable) nor put an older one in its place (issue #19).
    ...(answer.roster !== undefined ? { roster: answer.roster } : {}),
  };
  return sha256Hex(covered);
}

/** POST /offline/catalog (pay_admin): upsert a tenant's items. */
export const CatalogUpsertRequest = z.object({
  tenant_type: z.enum(['merchant', 'agent', 'school']),
  tenant_id: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/),
  items: z.array(CatalogItemInput).min(1).max(1000),
});

/** Ops' review queue (GET /offline/review, POST /offline/review/:bundle_id). */
export const ReviewDecisionRequest = z.object({
  decision: z.enum(['approve', 'reject']),
  note: storedText(500),
});

/** A bundle as listed in ops' review queue. */
export const ReviewItem = z.object({
  bundle_id: Uuid,
  device_id: DeviceId,
  status: z.enum(['review', 'quarantined']),
  sira_score: z.number().min(0).max(1),
  reasons: z.array(ScoreReason),
  tx_count: z.number().int().min(1),
  totals: z.array(CurrencyTotal),
  received_at: IsoDateTime,
});
export type ReviewItem = z.infer<typeof ReviewItem>;

/** GET /offline/review: bundles waiting for a decision, oldest first. */
export const ReviewListResponse = z.object({ bundles: z.array(ReviewItem) });
export type ReviewListResponse = z.infer<typeof ReviewListResponse>;

/** 200 answer to POST /offline/catalog. */
export const CatalogUpsertResponse = z.object({
  /** Items whose stored values changed (re-sending the same items changes nothing). */
  changed: z.number().int().min(0),
  total: z.number().int().min(0),
});
export type CatalogUpsertResponse = z.infer<typeof CatalogUpsertResponse>;
