import type { RxCollection } from 'rxdb';
import { z } from 'zod';
import { ApiError } from '../../../protocol/api';
import type { SaleDoc, SettingDoc } from '../store/schemas/index';

/**
 * The record of a customer QR the till verified, kept under `qr.nonce:<issuer_id>:<nonce>` in the
 * settings collection. Its existence is what makes a second `pos.qr.verify` of the same QR answer
 * QR_REPLAYED; its `saleId` is the sale that took it as tender (docs/sync.md, "QR tenders").
 *
 * RxDB writes one collection at a time, so the sale and the consumption cannot be one write. The
 * order makes a crash harmless: the verification is first marked with the id the sale *will* have,
 * then the sale is written. A consumption counts only if that sale exists (sales are never
 * deleted), so a crash or a refused write between the two leaves the QR usable for the retry, and
 * once the sale exists no other sale can take the QR.
 */
export const NONCE_PREFIX = 'qr.nonce:';

export const QrVerification = z.object({
  expiresAt: z.number(),
  issuerId: z.string(),
  keyId: z.string(),
  nonce: z.string(),
  payerRef: z.string(),
  amountMinor: z.number().int(),
  currency: z.string(),
  /** The issuer's Ed25519 signature of the token, base64url: names this exact token on the server. */
  signature: z.string(),
  /** The QR as verified, carried on the sale for the server to verify again; absent in older records. */
  token: z.string().optional(),
  saleId: z.string().optional(),
});
export type QrVerification = z.infer<typeof QrVerification>;

export const verificationKey = (verificationId: string) => `${NONCE_PREFIX}${verificationId}`;
export const verificationIdOf = (issuerId: string, nonce: string) => `${issuerId}:${nonce}`;

/** When the record may be forgotten; records of older versions held only the expiry, as a number. */
export function recordExpiry(value: string): number {
  const bare = Number(value);
  if (Number.isFinite(bare)) return bare;
  return parseVerification(value)?.expiresAt ?? 0;
}

/** Null for anything else, such as an older version's record (a bare expiry): capture refuses it. */
function parseVerification(value: string): QrVerification | null {
  try {
    const parsed = QrVerification.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export interface ClaimedQr {
  verificationId: string;
  verification: QrVerification;
}

/**
 * Checks that each QR tender names a verification this till holds, not taken by a sale, for this
 * amount and currency. Refusals: QR_NOT_VERIFIED, QR_ALREADY_USED, QR_AMOUNT_MISMATCH.
 */
export async function claimQrTenders(
  collections: { settings: RxCollection<SettingDoc>; sales: RxCollection<SaleDoc> },
  tenders: readonly { verificationId: string; amountMinor: number }[],
  currency: string,
): Promise<ClaimedQr[]> {
  const claimed: ClaimedQr[] = [];
  for (const tender of tenders) {
    const { verificationId } = tender;
    if (claimed.some((c) => c.verificationId === verificationId))
      throw new ApiError('QR_ALREADY_USED', 'The same payment QR code is on this sale twice.', {
        verificationId,
      });
    const doc = await collections.settings.findOne(verificationKey(verificationId)).exec();
    const verification = doc ? parseVerification(doc.value) : null;
    // A verification an older version kept has no QR text, and the server refuses a QR tender
    // without it (QR_TEXT_REQUIRED): the customer's QR is scanned again.
    if (!verification?.token)
      throw new ApiError(
        'QR_NOT_VERIFIED',
        'This QR payment was not verified at this till: scan the customer’s payment QR code.',
        { verificationId },
      );
    if (verification.saleId && (await collections.sales.findOne(verification.saleId).exec()))
      throw new ApiError('QR_ALREADY_USED', 'This payment QR code has already paid another sale.', {
        verificationId,
        saleId: verification.saleId,
      });
    if (verification.amountMinor !== tender.amountMinor || verification.currency !== currency)
      throw new ApiError('QR_AMOUNT_MISMATCH', 'The QR tender is not the amount the QR code pays.', {
        verificationId,
        qrAmountMinor: verification.amountMinor,
        qrCurrency: verification.currency,
        tenderMinor: tender.amountMinor,
        currency,
      });
    claimed.push({ verificationId, verification });
  }
  return claimed;
}

/** Marks the claimed QR codes with the id of the sale about to be written (see the note above). */
export async function markQrTenders(
  settings: RxCollection<SettingDoc>,
  claimed: readonly ClaimedQr[],
  saleId: string,
  now: number,
): Promise<void> {
  // One record per QR; each upsert is durable before the next step (see the note above).
  for (const { verificationId, verification } of claimed)
    await settings.upsert({
      key: verificationKey(verificationId),
      value: JSON.stringify({ ...verification, saleId }),
      updatedAt: now,
    });
}
