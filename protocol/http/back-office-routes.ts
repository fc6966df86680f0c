import { TenantQuery } from './catalog-admin';
import { LaptopQuery } from './back-office';
import {
  BackOfficeErrorCode as B,
  EnrollmentCodeList,
  EnrollmentCodeParams,
  EnrollmentCodeRecord,
  LaptopDeregistered,
  LaptopList,
  PolicyAnswer,
  PolicyParams,
  RevokeTillRequest,
  TillList,
  TillParams,
  TillRecord,
} from './back-office';
import {
  CatalogCsv,
  CatalogErrorCode as C,
  CatalogImportRequest,
  CatalogImportResponse,
  CatalogItemParams,
  CatalogItemRetired,
  CatalogListing,
  CategoriesRequest,
  CategoriesResponse,
  ShopRequest,
  ShopResponse,
} from './catalog-admin';
import { TrustErrorCode as E } from './codes';

const bearer = [E.UNAUTHENTICATED, E.TOKEN_EXPIRED, E.FORBIDDEN] as const;

/**
 * The back office's routes (issue #19, items 4-6): what the /admin console calls. Reads are open to
 * pay_admin and ops; every change is pay_admin's (policies: ops too, as before) and audited.
 * Spread into ROUTES (./routes.ts), whose `satisfies RouteSpec` checks each entry.
 */
export const BACK_OFFICE_ROUTES = {
  listEnrollmentCodes: {
    method: 'GET',
    path: '/offline/enrollment-codes',
    auth: ['pay_admin', 'ops'],
    summary:
      'Enrollment codes not redeemed, newest first, each with its state (unused, expired or revoked); never the code itself.',
    status: 200,
    response: EnrollmentCodeList,
    errors: [...bearer],
  },
  revokeEnrollmentCode: {
    method: 'DELETE',
    path: '/offline/enrollment-codes/:code_id',
    auth: ['pay_admin'],
    summary:
      'Revoke an unused enrollment code: POST /offline/enroll refuses it from now on (ENROLLMENT_CODE_INVALID). Revoking it again answers the same.',
    params: EnrollmentCodeParams,
    status: 200,
    response: EnrollmentCodeRecord,
    errors: [...bearer, B.ENROLLMENT_CODE_NOT_FOUND],
  },
  listTills: {
    method: 'GET',
    path: '/offline/tills',
    auth: ['pay_admin', 'ops'],
    summary:
      'Every POS till (registered by a pay_admin or enrolled with a code), revoked ones included: last seen, last sequence, pending and held bundles, clock offset at its last check-in or pull.',
    status: 200,
    response: TillList,
    errors: [...bearer],
  },
  revokeTill: {
    method: 'POST',
    path: '/offline/tills/:device_id/revoke',
    auth: ['pay_admin'],
    summary:
      'Take a till out of service: from now on its pushes, pulls and check-ins are refused with 404 DEVICE_NOT_FOUND (its check-in with a signed `device_status: revoked`, on which the till shows it is out of service). Its bundles already held stay in the review queue. Audited with the reason.',
    params: TillParams,
    body: RevokeTillRequest,
    status: 200,
    response: TillRecord,
    errors: [...bearer, B.TILL_NOT_FOUND],
  },
  listLaptops: {
    method: 'GET',
    path: '/offline/laptops',
    query: LaptopQuery,
    auth: ['pay_admin'],
    summary:
      "Laptops users registered for materials, with their user's email, newest first, deregistered ones included; `?user_id=` for one user's.",
    status: 200,
    response: LaptopList,
    errors: [...bearer],
  },
  deregisterLaptop: {
    method: 'DELETE',
    path: '/offline/laptops/:device_id',
    auth: ['pay_admin'],
    summary:
      "Deregister any user's laptop and revoke its licences, as its user can (DELETE /api/v1/offline/devices/:device_id). Audited.",
    params: TillParams,
    status: 200,
    response: LaptopDeregistered,
    errors: [...bearer, B.LAPTOP_NOT_FOUND],
  },
  getPolicy: {
    method: 'GET',
    path: '/offline/policies/:country',
    auth: ['pay_admin', 'ops'],
    summary: "One country's policy.",
    params: PolicyParams,
    status: 200,
    response: PolicyAnswer,
    errors: [...bearer, B.POLICY_NOT_FOUND],
  },
  listCatalog: {
    method: 'GET',
    path: '/offline/catalog',
    query: TenantQuery,
    auth: ['pay_admin', 'ops'],
    summary:
      "Query `tenant_type` and `tenant_id`: the tenant's items by sku (retired ones too, `active: false`), its quick grid categories and its shop details.",
    status: 200,
    response: CatalogListing,
    errors: [...bearer],
  },
  setCategories: {
    method: 'POST',
    path: '/offline/catalog/categories',
    auth: ['pay_admin'],
    summary:
      "Replace the tenant's quick grid categories (at most 12, each id and position once). Removing one that items still name: 409 CATEGORY_IN_USE. Tills get them on their next pull.",
    body: CategoriesRequest,
    status: 200,
    response: CategoriesResponse,
    errors: [...bearer, C.CATEGORY_IN_USE],
  },
  setShop: {
    method: 'POST',
    path: '/offline/catalog/shop',
    auth: ['pay_admin'],
    summary: "Set the shop's name, address and tax id that the tenant's tills print on receipts (next pull).",
    body: ShopRequest,
    status: 200,
    response: ShopResponse,
    errors: [...bearer],
  },
  retireCatalogItem: {
    method: 'DELETE',
    path: '/offline/catalog/:tenant_type/:tenant_id/items/:sku',
    auth: ['pay_admin'],
    summary:
      'Delete a product: it is kept as `active: false`, so tills drop it at their next pull (an item the server forgot would stay on them).',
    params: CatalogItemParams,
    status: 200,
    response: CatalogItemRetired,
    errors: [...bearer, C.CATALOG_ITEM_NOT_FOUND],
  },
  importCatalog: {
    method: 'POST',
    path: '/offline/catalog/import',
    auth: ['pay_admin'],
    summary:
      'Import a CSV (RFC 4180, header row, columns as GET /offline/catalog/export writes them): every row is checked first; any bad row answers 400 CATALOG_CSV_INVALID with each bad line, column and reason in `details`, and nothing is imported. Rows are upserted by sku.',
    body: CatalogImportRequest,
    status: 200,
    response: CatalogImportResponse,
    errors: [...bearer, C.CATALOG_CSV_INVALID, C.CATEGORY_NOT_FOUND, C.QUICK_KEY_TAKEN],
  },
  exportCatalog: {
    method: 'GET',
    path: '/offline/catalog/export',
    query: TenantQuery,
    auth: ['pay_admin', 'ops'],
    summary:
      "Query `tenant_type` and `tenant_id`: the tenant's items as CSV (text/csv, UTF-8), by sku, in the columns import reads.",
    status: 200,
    response: CatalogCsv,
    responseType: 'text',
    errors: [...bearer],
  },
} as const;
