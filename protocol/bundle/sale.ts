import { z } from 'zod';
import { text } from '../text';
import { base64urlBytes, base64urlText } from '../crypto/base64url';
import { MinorAmount, isKnownCurrency } from '../money';
import { SaleOnlineAuthorisation } from '../online/grant';

const Amount = MinorAmount.nonnegative();
export const Sha256B64 = base64urlBytes(32, 'SHA-256');
export const DeviceId = text(128);
/**
 * Ids a terminal makes (bundles, sales): lower case only. PostgreSQL's uuid type folds case, so an
 * upper-case id would be echoed one way and stored, listed and pulled another (outside terminal, #20).
 */
export const LowerUuid = z.uuid().regex(/^[0-9a-f-]{36}$/, 'a lower-case UUID');
import { UtcTimestamp } from '../timestamp';

export { UtcTimestamp };

export const SaleLine = z.strictObject({
  sku: text(64),
  name: text(200),
  qty: z.number().int().positive().max(1_000_000),
  unit_price_minor: Amount,
  discount_minor: Amount,
  tax_minor: Amount,
  total_minor: Amount,
});
export type SaleLine = z.infer<typeof SaleLine>;

/**
 * The authorisation code the card terminal printed (ISO 8583 field 38: six letters or digits).
 * Until an acquirer is integrated, a card sale is taken on an external terminal and this code is
 * what says the money was collected (issue #18): a swipe alone collects nothing.
 */
export const ApprovalCode = z.string().regex(/^[A-Z0-9]{6}$/, 'six capital letters or digits');

/**
 * A card tender's details: the external terminal's approval code, and the brand and last four digits
 * when a card reader read them. Never the card number. Tills older than issue #18 sent brand, last4
 * and the reader's token without an approval code; they are still accepted.
 */
export const CardDetails = z
  .strictObject({
    brand: text(32).optional(),
    last4: z
      .string()
      .regex(/^\d{4}$/)
      .optional(),
    /** The card reader's keyed token for the card (a repeated-card signal), never the number itself. */
    token: text(256).optional(),
    approval_code: ApprovalCode.optional(),
  })
  .refine((c) => c.approval_code !== undefined || c.token !== undefined, {
    message: 'a card tender carries the terminal’s approval code',
    path: ['approval_code'],
  });

export const QrDetails = z.strictObject({
  payer_ref: text(128),
  // The issuer's signature is the QR's identity for reuse checks: canonical, so one QR has one spelling.
  signature: base64urlText({ min: 1, max: 512 }).optional(),
  /**
   * The customer's payment QR exactly as the till verified it (`OUTPOST1:<payload>.<signature>`,
   * docs/protocol.md "Payment QR codes"): the server verifies it again against its registered issuer
   * keys (issue #16). Required on a sale's QR tender: a push without it is refused 422
   * QR_TEXT_REQUIRED (server/payments/push.ts; optional here so voids and refunds still parse). Named
   * `text`, not `token`: card-data rules treat a `token` as a card processor's.
   */
  text: z
    .string()
    .max(2048)
    .regex(/^OUTPOST1:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'a payment QR, OUTPOST1:<payload>.<signature>')
    .optional(),
});

export const Tender = z
  .strictObject({
    type: z.enum(['cash', 'card', 'qr']),
    amount_minor: Amount,
    change_minor: Amount.optional(),
    card: CardDetails.optional(),
    qr: QrDetails.optional(),
  })
  .superRefine((t, ctx) => {
    // Each tender carries exactly the details of its own type, so a reader never has to guess.
    if (t.change_minor !== undefined && t.type !== 'cash')
      ctx.addIssue({ code: 'custom', path: ['change_minor'], message: 'only cash gives change' });
    if ((t.type === 'card') !== (t.card !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['card'],
        message: 'card details go with, and only with, a card tender',
      });
    if ((t.type === 'qr') !== (t.qr !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['qr'],
        message: 'qr details go with, and only with, a qr tender',
      });
  });
export type Tender = z.infer<typeof Tender>;

/**
 * What a terminal records, chains and signs. Strict objects: a hashed and signed record must hold
 * nothing the schema did not check, or two parties could hash different things under one name.
 * Amounts are never negative; a refund or void is told apart by `kind`, not by sign.
 */
export const Sale = z
  .strictObject({
    sale_id: LowerUuid,
    device_id: DeviceId,
    seq: z.number().int().positive().safe(),
    prev_hash: Sha256B64,
    kind: z.enum(['sale', 'refund', 'void']),
    original_sale_id: LowerUuid.optional(),
    created_at: UtcTimestamp,
    online: z.boolean(),
    currency: z.string().refine(isKnownCurrency, 'an ISO 4217 currency code'),
    lines: z.array(SaleLine).min(1).max(1000),
    tenders: z.array(Tender).min(1).max(20),
    total_minor: Amount,
    override: z.strictObject({ manager_id: text(128), reason: text(500) }).optional(),
    /**
     * The cashier signed in at the till when it was recorded (issue #18). Optional: tills older than
     * cashier accounts send none and are accepted as before.
     */
    cashier_id: text(128).optional(),
    /**
     * The server's online authorisation of this sale above max_offline_amount (issue #18, item 7;
     * protocol/online/authorisation.ts): checked against what the server stored at push. Absent
     * from every sale at or under the offline maximum, and from tills before online authorisation.
     */
    online_authorisation: SaleOnlineAuthorisation.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.kind === 'sale' && s.original_sale_id !== undefined)
      ctx.addIssue({ code: 'custom', path: ['original_sale_id'], message: 'a sale references no original' });
    if (s.kind !== 'sale' && s.original_sale_id === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['original_sale_id'],
        message: `a ${s.kind} must reference the original sale`,
      });
    if (s.original_sale_id !== undefined && s.original_sale_id === s.sale_id)
      ctx.addIssue({ code: 'custom', path: ['original_sale_id'], message: 'a sale cannot reference itself' });
  });
export type Sale = z.infer<typeof Sale>;
