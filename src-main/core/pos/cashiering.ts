import { randomUUID } from 'node:crypto';
import type { RxCollection } from 'rxdb';
import { BehaviorSubject, combineLatest, from, map, switchMap, type Observable } from 'rxjs';
import { ApiError, type Cashier, type XReport } from '../../../protocol/api';
import type { Sale } from '../../../protocol/bundle/sale';
import type { Policy } from '../../../protocol/http/policies';
import type { AuditDoc, SaleDoc, ShiftDoc } from '../store/schemas/index';
import { checkDrawerAmount } from './cash-check';
import type { CashierAccounts, CashierRole } from './cashier-accounts';
import { queryFields } from '../store/plain-query';
import { shiftTotals, type DrawerMoves } from './zreport';

/** Audit types of the drawer's paid-in and paid-out. */
const PAID_IN = 'drawer.paidIn';
const PAID_OUT = 'drawer.paidOut';

interface Collections {
  sales: RxCollection<SaleDoc>;
  shifts: RxCollection<ShiftDoc>;
  audit: RxCollection<AuditDoc>;
}

/** The sales, refunds and voids recorded during a shift, as signed. */
export async function shiftSales(c: Collections, shift: ShiftDoc): Promise<Sale[]> {
  // Through the [deviceId, createdAt] index, two fields a sale: a 10,000-sale shift made 10,000
  // RxDocuments and copies of them before, and parsed each sale's JSON to reach its record.
  const rows = await queryFields(
    c.sales,
    { selector: { deviceId: shift.deviceId, createdAt: { $gte: shift.openedAt } } },
    ['shiftId', 'record'],
  );
  const sales: Sale[] = [];
  for (const { doc, values } of rows) {
    const [shiftId, record] = values;
    if (shiftId !== shift.id || typeof record !== 'string' || !record) continue;
    sales.push(doc ? signedSaleOf(doc, record) : (JSON.parse(record) as Sale));
  }
  return sales;
}

/**
 * The signed record of a stored sale, parsed once per stored object: the store hands out the same
 * object while it holds the sale unchanged (its document cache), so X-reports read during the shift
 * and the Z-report at its close parse each record once. Read-only, as the documents are.
 */
const parsedRecords = new WeakMap<object, Sale>();
function signedSaleOf(doc: object, record: string): Sale {
  let sale = parsedRecords.get(doc);
  if (!sale) {
    sale = JSON.parse(record) as Sale;
    parsedRecords.set(doc, sale);
  }
  return sale;
}

/** Paid-in and paid-out of a shift, from the audit entries pos.drawer.move wrote. */
export async function drawerMoves(c: Collections, shiftId: string): Promise<DrawerMoves> {
  const docs = await c.audit.find({ selector: { type: { $in: [PAID_IN, PAID_OUT] } } }).exec();
  const moves = { paidInMinor: 0, paidOutMinor: 0 };
  for (const d of docs) {
    const data = JSON.parse(d.data) as { shiftId?: string; amountMinor?: number };
    if (data.shiftId !== shiftId || typeof data.amountMinor !== 'number') continue;
    if (d.type === PAID_IN) moves.paidInMinor += data.amountMinor;
    else moves.paidOutMinor += data.amountMinor;
  }
  return moves;
}

/** Account names by id, for the reports. */
export async function cashierNames(accounts: CashierAccounts): Promise<Map<string, string>> {
  return new Map((await accounts.list()).map((c) => [c.cashierId, c.name]));
}

/**
 * Who is at the till (issue #18). Signing in checks the PIN against the accounts (one lockout for
 * every PIN of the till); locking leaves nobody signed in. Sales, refunds, voids, shifts and drawer
 * moves are attributed to the cashier signed in here, and none is recorded without one
 * (CASHIER_REQUIRED), whatever accounts the till has: a fresh till first creates its manager, who
 * signs in (issue #18; the core does not rely on the UI for it).
 */
export class CashierSession {
  private readonly current = new BehaviorSubject<Cashier | null>(null);
  private readonly accountsChanged = new BehaviorSubject<void>(undefined);

  constructor(private readonly accounts: CashierAccounts) {}

  async signIn(cashierId: string, pin: string): Promise<Cashier> {
    const cashier = await this.accounts.signIn(cashierId, pin);
    this.current.next(cashier);
    return cashier;
  }

  lock(): void {
    this.current.next(null);
  }

  /** The cashier to attribute a record to: nobody signed in, nothing is recorded. */
  attribution(): Promise<string> {
    const cashier = this.current.value;
    if (cashier) return Promise.resolve(cashier.cashierId);
    return Promise.reject(
      new ApiError('CASHIER_REQUIRED', 'Sign in with a cashier PIN before recording anything.'),
    );
  }

  async setAccount(
    input: { cashierId: string; name: string; role: CashierRole; pin: string },
    authorizedBy: { managerId: string; pin: string } | undefined,
  ): Promise<Cashier[]> {
    const cashiers = await this.accounts.setAccount(input, authorizedBy);
    this.accountsChanged.next();
    return cashiers;
  }

  /** The accounts changed elsewhere (issue #16's pos.managerPin.set): `required` is read again. */
  accountsUpdated(): void {
    this.accountsChanged.next();
  }

  /**
   * A new roster from the back office (issue #19): a cashier signed in whom it no longer lists with
   * a PIN (disabled, or a till's own account the roster replaces) is signed out at once.
   */
  async rosterChanged(): Promise<void> {
    const signedIn = this.current.value;
    if (signedIn && !(await this.accounts.list()).some((c) => c.cashierId === signedIn.cashierId))
      this.current.next(null);
    this.accountsChanged.next();
  }

  changes(): Observable<{ cashier: Cashier | null; required: boolean }> {
    return combineLatest([this.current, this.accountsChanged]).pipe(
      switchMap(([cashier]) => from(this.accounts.any()).pipe(map((required) => ({ cashier, required })))),
    );
  }
}

/** Paid-in, paid-out and the X-report of the open shift. */
export class Drawer {
  constructor(
    private readonly c: Collections,
    private readonly session: CashierSession,
    private readonly accounts: CashierAccounts,
    private readonly policy: () => Policy | null,
    private readonly now: () => number = Date.now,
  ) {}

  private async openShift(): Promise<ShiftDoc> {
    const doc = await this.c.shifts.findOne({ selector: { state: 'open' } }).exec();
    if (!doc) throw new ApiError('NO_OPEN_SHIFT', 'Open a shift first.');
    return doc.toJSON() as ShiftDoc;
  }

  async move(input: { direction: 'in' | 'out'; amountMinor: number; reason: string }): Promise<void> {
    const shift = await this.openShift();
    const actor = await this.session.attribution();
    checkDrawerAmount(this.policy(), input.amountMinor);
    await this.c.audit.insert({
      id: randomUUID(),
      at: this.now(),
      type: input.direction === 'in' ? PAID_IN : PAID_OUT,
      actor,
      data: JSON.stringify({ shiftId: shift.id, amountMinor: input.amountMinor, reason: input.reason }),
    });
  }

  async xReport(): Promise<XReport> {
    const shift = await this.openShift();
    await this.session.attribution();
    const report = shiftTotals(
      { shiftId: shift.id, openedAt: shift.openedAt, currency: shift.currency, floatMinor: shift.floatMinor },
      await shiftSales(this.c, shift),
      await drawerMoves(this.c, shift.id),
      await cashierNames(this.accounts),
    );
    return { ...report, at: new Date(this.now()).toISOString() };
  }
}
