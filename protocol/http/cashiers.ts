import { z } from 'zod';
import { IsoDateTime, storedText, TenantId, TenantType } from './common';

/**
 * A shop's cashiers, managed from the back office (issue #19, item 3): the owner (pay_admin) adds a
 * cashier or a manager to a tenant with a PIN, resets the PIN and disables them; the tenant's tills
 * receive the roster, signed by the server, on their next pull (./cashier-roster.ts) and sign
 * cashiers in with it. A PIN is stored only as an scrypt hash and is never answered, logged or
 * audited. Browser-safe (zod only).
 */

export const CashierErrorCode = {
  /** No cashier of this tenant has this id. */
  CASHIER_NOT_FOUND: 'CASHIER_NOT_FOUND',
  /** The tenant has a cashier with this id already (disabled ones too: ids are never reused). */
  CASHIER_EXISTS: 'CASHIER_EXISTS',
  /**
   * The shop has MAX_ACTIVE_CASHIERS active cashiers already: disable one before adding or
   * enabling another (issue #16, twelfth pass L-C: a signed roster holds at most that many).
   */
  CASHIER_LIMIT_REACHED: 'CASHIER_LIMIT_REACHED',
} as const;
export type CashierErrorCode = (typeof CashierErrorCode)[keyof typeof CashierErrorCode];

export const CASHIER_ERROR_STATUS: Record<CashierErrorCode, number> = {
  CASHIER_NOT_FOUND: 404,
  CASHIER_EXISTS: 409,
  CASHIER_LIMIT_REACHED: 409,
};

/**
 * The most cashiers a shop's signed roster lists (./cashier-roster.ts): every active one, and the
 * disabled ones most recently changed while room is left. The back office refuses an active one
 * beyond it.
 */
export const MAX_ACTIVE_CASHIERS = 1000;

/** As the till's own accounts: a manager is a cashier who may also authorise and manage. */
export const ShopCashierRole = z.enum(['cashier', 'manager']);
export type ShopCashierRole = z.infer<typeof ShopCashierRole>;

/** What the cashier types at the till ("awa", "m1"): the till's cashier id alphabet. */
export const ShopCashierId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '1 to 64 letters, digits, . _ -');
/** What the till accepts as a PIN. */
export const ShopCashierPin = z.string().regex(/^\d{4,12}$/, '4 to 12 digits');

const TenantFields = { tenant_type: TenantType, tenant_id: TenantId };
export const ShopCashierTenantQuery = z.object(TenantFields).strict();

/** A cashier as the console lists them: never their PIN nor its hash. */
export const ShopCashierRecord = z.object({
  ...TenantFields,
  cashier_id: ShopCashierId,
  name: z.string(),
  role: ShopCashierRole,
  status: z.enum(['active', 'disabled']),
  pin_set_at: IsoDateTime,
  created_at: IsoDateTime,
});
export type ShopCashierRecord = z.infer<typeof ShopCashierRecord>;

/** GET /console/cashiers: the tenant's cashiers by id, and the roster version its tills get next. */
export const ShopCashierList = z.object({
  cashiers: z.array(ShopCashierRecord),
  /** 0 while the tenant has no cashier: its tills keep their own accounts. */
  roster_version: z.number().int().min(0),
});
export type ShopCashierList = z.infer<typeof ShopCashierList>;

export const AddShopCashierRequest = z.object({
  ...TenantFields,
  cashier_id: ShopCashierId,
  name: storedText(100),
  role: ShopCashierRole,
  pin: ShopCashierPin,
});
export const ShopCashierParams = z.object({ ...TenantFields, cashier_id: ShopCashierId });
export const ShopCashierPinRequest = z.object({ pin: ShopCashierPin });
export const ShopCashierStatusRequest = z.object({ disabled: z.boolean() });
