import { TakingsQuery } from './sales';
import { SalesExportQuery } from './sales';
import { SalesQuery } from './sales';
import { TrustErrorCode as E } from './codes';
import { ConsoleErrorCode } from './console';
import { BundleParams, BundleQuery, PaymentErrorCode as P } from './payments';
import { BundleDetail, LedgerCheckResult, SalesCsv, SalesErrorCode as S, SalesPage, Takings } from './sales';

const bearer = [E.UNAUTHENTICATED, E.TOKEN_EXPIRED, E.FORBIDDEN] as const;
const query = [S.TIME_ZONE_UNKNOWN, S.RANGE_INVERTED, S.RANGE_TOO_LONG] as const;

/** Who reads sales, takings and the ledger: the shop's administrator and operations. */
export const SALES_ROLES = ['pay_admin', 'ops'] as const;

/**
 * The back office's sales, bundles, takings and ledger (issue #19, item 8). Spread into ROUTES
 * (./routes.ts), whose `satisfies RouteSpec` checks each entry. The review queue's routes
 * (listReview, decideReview) are in routes.ts with the other payments routes.
 */
export const SALES_ROUTES = {
  searchSales: {
    method: 'GET',
    path: '/offline/sales',
    query: SalesQuery,
    auth: SALES_ROLES,
    summary:
      "Search sales, refunds and voids, newest first. Query (all optional): `device_id`, `cashier_id`, `from` and `to` (days YYYY-MM-DD, inclusive, in `tz`: an IANA zone, default UTC; at most 366 days apart), `status` (pending, reconciled, held, rejected), `kind`, `currency`, `min_minor` and `max_minor` (the total in its own minor units), `limit` (1-200, default 50), `cursor` (the previous page's `next_cursor`: keyset paging).",
    status: 200,
    response: SalesPage,
    errors: [...bearer, ...query, S.CURSOR_INVALID],
  },
  exportSales: {
    method: 'GET',
    path: '/offline/sales/export',
    query: SalesExportQuery,
    auth: SALES_ROLES,
    summary:
      "The sales a search finds (same query, `from` and `to` required, no paging) as CSV (text/csv, UTF-8, RFC 4180), oldest first: at most 50,000 rows, else 400 EXPORT_TOO_LARGE. Amounts in minor units and as decimals of their currency; a cell a spreadsheet would run as a formula starts with '.",
    status: 200,
    response: SalesCsv,
    responseType: 'text',
    errors: [...bearer, ...query, S.EXPORT_TOO_LARGE],
  },
  dailyTakings: {
    method: 'GET',
    path: '/offline/sales/takings',
    query: TakingsQuery,
    auth: SALES_ROLES,
    summary:
      "One day's takings (query `day` YYYY-MM-DD in `tz`, default UTC; optional `device_id`): the money of sales the server accepted (pending or reconciled), by till, cashier, tender and currency, refunds and voids netted and shown; totals per currency; what was held or rejected, not counted.",
    status: 200,
    response: Takings,
    errors: [...bearer, S.TIME_ZONE_UNKNOWN],
  },
  bundleDetail: {
    method: 'GET',
    path: '/offline/sales/bundles/:bundle_id',
    auth: SALES_ROLES,
    summary:
      "A pushed bundle: its till, status, fraud score and the score's reasons, its sales (cashier, tenders, status) and its review decision (who, when, the reason given). Query `device_id`: the till that pushed it (a bundle is (device_id, bundle_id); without it, 409 BUNDLE_AMBIGUOUS when several tills pushed a bundle under that id).",
    params: BundleParams,
    query: BundleQuery,
    status: 200,
    response: BundleDetail,
    errors: [...bearer, P.BUNDLE_NOT_FOUND, P.BUNDLE_AMBIGUOUS],
  },
  checkLedger: {
    method: 'POST',
    path: '/offline/ledger/check',
    auth: SALES_ROLES,
    summary:
      "Runs the ledger's balance check: Σ debits = Σ credits per currency and per sale, ledger entries whose sale the server does not hold, reconciled sales without entries. Audited with its result.",
    status: 200,
    response: LedgerCheckResult,
    errors: [...bearer, ConsoleErrorCode.CSRF_REJECTED],
  },
} as const;
