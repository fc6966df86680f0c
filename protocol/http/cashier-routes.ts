import { ShopCashierTenantQuery } from './cashiers';
import {
  AddShopCashierRequest,
  CashierErrorCode as K,
  ShopCashierList,
  ShopCashierParams,
  ShopCashierPinRequest,
  ShopCashierRecord,
  ShopCashierStatusRequest,
} from './cashiers';
import { TrustErrorCode as E } from './codes';

const bearer = [E.UNAUTHENTICATED, E.TOKEN_EXPIRED, E.FORBIDDEN] as const;
const one = '/console/cashiers/:tenant_type/:tenant_id/:cashier_id';

/**
 * A shop's cashiers in the back office (issue #19, item 3): pay_admin alone. Spread into ROUTES
 * (./routes.ts), whose `satisfies RouteSpec` checks each entry. No answer carries a PIN or its hash.
 */
export const CASHIER_ROUTES = {
  listShopCashiers: {
    method: 'GET',
    path: '/console/cashiers',
    query: ShopCashierTenantQuery,
    auth: ['pay_admin'],
    summary:
      "Query `tenant_type`, `tenant_id`: the shop's cashiers (disabled ones too) and its roster version. Never a PIN or its hash.",
    status: 200,
    response: ShopCashierList,
    errors: [...bearer],
  },
  addShopCashier: {
    method: 'POST',
    path: '/console/cashiers',
    auth: ['pay_admin'],
    summary:
      "Adds a cashier or manager to a shop with the PIN the owner sets (4-12 digits, kept only as an scrypt hash); a shop holds at most 1000 active cashiers (`409 CASHIER_LIMIT_REACHED`). The shop's tills get the new signed roster on their next pull (`roster=1`). Audited without the PIN.",
    body: AddShopCashierRequest,
    status: 201,
    response: ShopCashierRecord,
    errors: [...bearer, K.CASHIER_EXISTS, K.CASHIER_LIMIT_REACHED],
  },
  setShopCashierPin: {
    method: 'POST',
    path: `${one}/pin`,
    auth: ['pay_admin'],
    summary:
      "Resets a cashier's PIN: the shop's tills refuse the old one after their next pull (the roster's version rises, so an older roster is never taken back). Audited without the PIN.",
    params: ShopCashierParams,
    body: ShopCashierPinRequest,
    status: 200,
    response: ShopCashierRecord,
    errors: [...bearer, K.CASHIER_NOT_FOUND],
  },
  setShopCashierStatus: {
    method: 'POST',
    path: `${one}/status`,
    auth: ['pay_admin'],
    summary:
      "Disables or enables a cashier: after their next pull the shop's tills refuse a disabled cashier's PIN (`CASHIER_DISABLED`). Enabling one beyond the shop's 1000 active cashiers is `409 CASHIER_LIMIT_REACHED`. Audited.",
    params: ShopCashierParams,
    body: ShopCashierStatusRequest,
    status: 200,
    response: ShopCashierRecord,
    errors: [...bearer, K.CASHIER_NOT_FOUND, K.CASHIER_LIMIT_REACHED],
  },
} as const; // checked as RouteSpecs where ./routes.ts spreads them into ROUTES
