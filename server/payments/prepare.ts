import { saleHash, type BundlePayload, type Sale } from '../../protocol/bundle';
import type { ServerOpenedBundle } from './open';
import { saleFacts, type SaleFacts } from './score';
import { saleTotals, transactionArrays } from './store';
import { QrVerifier, qrTexts, type QrVerdicts, type StoredIssuerKey } from './qr-verifier';

/**
 * An opened bundle as the push's transaction needs it. Made where the bundle is opened (an open
 * thread, open-pool.ts): the event loop then holds a few figures and the insert's column arrays
 * per push in flight, not a hundred parsed sales, which it had to copy in and keep through every
 * round trip to the database.
 */
export interface PreparedBundle extends Pick<ServerOpenedBundle, 'envelope' | 'invalidSales' | 'innerChain'> {
  /** The payload without its sales. */
  head: Omit<BundlePayload, 'sales'>;
  salesCount: number;
  /** Two sales share a sale_id. */
  duplicateSaleId: boolean;
  totals: { currency: string; total_minor: number }[];
  facts: SaleFacts;
  /** transactionArrays of the sales, with their chain hashes. */
  columns: unknown[];
  /**
   * The sales themselves, only when a refund, a void, a customer QR or an online authorisation needs
   * checking against the database (server/payments/refunds.ts, qr-uses.ts,
   * online-authorisations.ts); null otherwise, which is most bundles.
   */
  sales: Sale[] | null;
  /**
   * What each QR tender's text verified as, against the issuer keys the open was given (an open
   * thread's work: qr-verifier.ts); the push adopts it when its transaction reads the same keys.
   */
  qr?: QrVerdicts;
}

export function prepareBundle(
  opened: ServerOpenedBundle,
  /** The QR issuer keys to verify its QR tenders against now; without, the push verifies them. */
  issuerKeys?: readonly StoredIssuerKey[],
): PreparedBundle {
  const { envelope, invalidSales, innerChain } = opened;
  const { sales, ...head } = opened.payload;
  const facts = saleFacts(sales);
  const texts = issuerKeys ? qrTexts(sales) : [];
  return {
    ...(issuerKeys && texts.length > 0 ? { qr: new QrVerifier(issuerKeys).export(texts) } : {}),
    envelope,
    invalidSales,
    innerChain,
    head,
    salesCount: sales.length,
    duplicateSaleId: new Set(sales.map((s) => s.sale_id)).size !== sales.length,
    totals: saleTotals(sales),
    facts,
    columns: transactionArrays(sales, saleHashes(opened), new Set(invalidSales.map((s) => s.sale_id))),
    sales: sales.some(
      (s) =>
        s.kind !== 'sale' ||
        s.online_authorisation !== undefined ||
        s.tenders.some((t) => t.qr !== undefined),
    )
      ? sales
      : null,
  };
}

/**
 * When the chain inside the bundle verified, each sale's hash is already known: it is the next
 * sale's prev_hash, and the last one's is chain_head. Hashing 100 sales again (canonical JSON +
 * SHA-256) was a tenth of a push's CPU time.
 */
function saleHashes(opened: ServerOpenedBundle): string[] {
  const { sales, chain_head } = opened.payload;
  if (opened.innerChain) return sales.map(saleHash);
  return sales.map((_, i) => (i + 1 < sales.length ? sales[i + 1]!.prev_hash : chain_head));
}
