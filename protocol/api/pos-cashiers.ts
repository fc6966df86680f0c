import { z } from 'zod';
import { Empty, Text } from './feature';

// ---------------------------------------------------------------------------------------------
// Cashier accounts, the X-report and the drawer's paid-in and paid-out (issue #18). A manager is
// a cashier with the manager role. The cashier a sale is attributed to is the one signed in at the
// till: no call takes a cashier id for a sale, so one cashier cannot record as another.
// ---------------------------------------------------------------------------------------------

const Minor = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const SignedMinor = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const Pin = z.string().regex(/^\d{4,12}$/, '4 to 12 digits');
/** Short ids a cashier types at the till ("awa", "m1"): letters, digits, dot, dash, underscore. */
export const CashierId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '1 to 64 letters, digits, . _ -');

export const CashierRole = z.enum(['cashier', 'manager']);
export const Cashier = z.object({ cashierId: z.string(), name: z.string(), role: CashierRole });
export type Cashier = z.infer<typeof Cashier>;

export const CashierSetInput = z.strictObject({
  cashierId: CashierId,
  name: Text(100),
  role: CashierRole,
  pin: Pin,
  /** A manager's credentials; not needed only for the very first account (a manager) of the till. */
  authorizedBy: z.strictObject({ managerId: Text(128), pin: Pin }).optional(),
});

const CountTotal = z.object({ count: z.number().int().min(0), totalMinor: Minor });

/** One cashier's share of a shift, as the Z-report and X-report show it. */
export const CashierTally = z.object({
  /** Null for sales an earlier version of the app recorded with no cashier account on the till. */
  cashierId: z.string().nullable(),
  name: z.string().nullable(),
  sales: CountTotal,
  refunds: CountTotal,
  voids: CountTotal,
  /** Cash kept from sales minus cash given back, by this cashier. */
  cashNetMinor: SignedMinor,
});
export type CashierTally = z.infer<typeof CashierTally>;

export const DrawerMoveInput = z.strictObject({
  direction: z.enum(['in', 'out']),
  amountMinor: Minor.min(1),
  reason: Text(200),
});

export const posCashierCommands = {
  'pos.cashier.list': { input: Empty, output: z.object({ cashiers: z.array(Cashier) }) },
  'pos.cashier.set': { input: CashierSetInput, output: z.object({ cashiers: z.array(Cashier) }) },
  /** Refusals: CASHIER_PIN_INVALID, OVERRIDE_LOCKED (five wrong PINs in a row, any PIN of the till). */
  'pos.cashier.signIn': {
    input: z.strictObject({ cashierId: Text(128), pin: Pin }),
    output: z.object({ cashier: Cashier }),
  },
  /** Locks the till: nothing is recorded until a cashier signs in (switching cashier is this, then sign-in). */
  'pos.cashier.lock': { input: Empty, output: z.object({}) },
  /** Paid-in or paid-out of the open shift, with its reason; counted in the drawer's expected cash. */
  'pos.drawer.move': { input: DrawerMoveInput, output: z.object({}) },
} as const;

export const posCashierSubscriptions = {
  /** Who is signed in; `required` once the till has any cashier account. */
  'pos.cashier.current': {
    input: Empty,
    item: z.object({ cashier: Cashier.nullable(), required: z.boolean() }),
  },
} as const;
