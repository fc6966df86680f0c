import type { PaymentsPullResponse } from '../../../../protocol/http/payments';
import type { EnrollmentRecord } from '../device/enrollment';
import type { VerifiedStanding } from '../device/policy-statement';
import type { CatalogItemDoc } from '../store';

/*
 * Applying a verified pull page, as pure functions: what the request asks, what the enrollment
 * record and the catalog become. sync-service.ts fetches the page, checks its statement first, then
 * writes what these return.
 */

/** The query of one pull page: from the stored cursor, at the page size asked, for this nonce. */
export function pullQuery(
  cursor: string | null,
  pageSize: number | undefined,
  requestNonce: string,
): URLSearchParams {
  const query = new URLSearchParams();
  if (cursor) query.set('since', cursor);
  if (pageSize) query.set('limit', String(pageSize));
  query.set('request_nonce', requestNonce);
  // The back office's categories, quick-key places and shop details too (issue #19).
  query.set('catalog', '2');
  // The shop's cashier roster, signed (issue #19; pos/cashier-roster.ts).
  query.set('roster', '1');
  return query;
}

/** The enrollment record after a verified page: the signed policy (when there is one) and clock offset. */
export function enrollmentAfterPull(
  record: EnrollmentRecord,
  standing: VerifiedStanding,
  now: number,
): EnrollmentRecord {
  return {
    ...record,
    ...(standing.policy ? { policy: standing.policy } : {}),
    serverClockOffsetMs: Date.parse(standing.serverTime) - now,
  };
}

/** The page's catalog as store writes: active items upserted, inactive ones removed by sku. */
export function catalogChanges(
  catalog: PaymentsPullResponse['catalog'],
  now: number,
): { upserts: CatalogItemDoc[]; removals: string[] } {
  return {
    upserts: catalog
      .filter((i) => i.active)
      .map((i) => ({
        sku: i.sku,
        barcode: i.barcode ?? '',
        name: i.name,
        priceMinor: i.price_minor,
        currency: i.currency,
        taxRate: i.tax_rate_bp,
        updatedAt: now,
      })),
    removals: catalog.filter((i) => !i.active).map((i) => i.sku),
  };
}
