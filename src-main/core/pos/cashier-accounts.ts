import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { RxCollection } from 'rxdb';
import { ApiError } from '../../../protocol/api';
import type { ErrorCode } from '../../../protocol/api/error-codes';
import { decodeSetting, encodeSetting, type SettingDoc } from '../store/schemas/index';
import type { TillAnchor } from '../trust/rollback-anchor';
import { heldRoster } from './cashier-roster';
import { PinLockout } from './pin-lockout';

/**
 * Cashier accounts (issue #18): an id, a name, a role (`cashier` or `manager`) and a PIN kept as an
 * scrypt hash, in the encrypted settings collection (key `pos.cashiers`). A manager is a cashier
 * with the manager role: the manager PINs of issue #16 (key `pos.managers`) are read as manager
 * accounts named by their id, so a terminal upgraded keeps them.
 *
 * The first account of a terminal is a manager, set freely; every later change needs a manager's
 * PIN. Every PIN check (signing in, a manager's override or authorisation) counts against one
 * lockout: five wrong PINs in a row lock them all for `lockMs` of app running time, kept in the
 * encrypted store across restarts and OS clock changes (pin-lockout.ts, issue #16).
 *
 * Once the till holds the back office's roster (cashier-roster.ts, issue #19), the accounts are the
 * roster's alone: its cashiers' PINs check against the server's verifiers, a cashier the back
 * office disabled is refused with CASHIER_DISABLED (the attempt still counts), and accounts are no
 * longer changed at the till (CASHIERS_MANAGED_CENTRALLY). The lockout is the same one.
 */

export const CASHIERS_KEY = 'pos.cashiers';
/** Issue #16's manager PINs, read as manager accounts. */
export const MANAGERS_KEY = 'pos.managers';

export type CashierRole = 'cashier' | 'manager';

interface PinHash {
  v: 1;
  N: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
}
interface Account {
  name: string;
  role: CashierRole;
  pin: PinHash;
}
type Accounts = Record<string, Account>;
interface Loaded {
  accounts: Accounts;
  /** The roster's disabled cashiers (none without a roster). */
  disabled: ReadonlySet<string>;
  /** True once the till holds the back office's roster. */
  central: boolean;
}

export interface CashierView {
  cashierId: string;
  name: string;
  role: CashierRole;
}

const DEFAULT_COST = { N: 16384, r: 8, p: 1 };

function derive(pin: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 128 * cost.N * cost.r * 2 };
  return new Promise((resolve, reject) =>
    scrypt(pin, salt, 32, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

const view = (cashierId: string, a: Account): CashierView => ({ cashierId, name: a.name, role: a.role });

export class CashierAccounts {
  private readonly lockout: PinLockout;
  /** Checks run one at a time, so two at once cannot both slip under the count. */
  private checking: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly settings: RxCollection<SettingDoc>,
    private readonly options: {
      cost?: { N: number; r: number; p: number };
      lockMs?: number;
      maxFailures?: number;
      /** A clock the OS time does not move (default performance.now). */
      monotonic?: () => number;
      /** The lockout's copy in the keychain (trust/rollback-anchor.ts). */
      anchor?: Pick<TillAnchor, 'lockout' | 'saveLockout'>;
    } = {},
  ) {
    this.lockout = new PinLockout(settings, options.monotonic ?? (() => performance.now()), options.anchor);
  }

  private async load(): Promise<Accounts> {
    return (await this.loadAll()).accounts;
  }

  private async loadAll(): Promise<Loaded> {
    const roster = await heldRoster(this.settings);
    if (roster) {
      const accounts: Accounts = {};
      const disabled = new Set<string>();
      for (const c of roster.cashiers) {
        if (c.pin) accounts[c.cashier_id] = { name: c.name, role: c.role, pin: c.pin };
        else disabled.add(c.cashier_id);
      }
      return { accounts, disabled, central: true };
    }
    return { accounts: await this.ownAccounts(), disabled: new Set(), central: false };
  }

  private async ownAccounts(): Promise<Accounts> {
    const legacy = await this.settings.findOne(MANAGERS_KEY).exec();
    const current = await this.settings.findOne(CASHIERS_KEY).exec();
    const managers = legacy ? (decodeSetting(legacy) as unknown as Record<string, PinHash>) : {};
    const accounts: Accounts = {};
    for (const [id, pin] of Object.entries(managers)) accounts[id] = { name: id, role: 'manager', pin };
    return { ...accounts, ...(current ? (decodeSetting(current) as unknown as Accounts) : {}) };
  }

  async list(): Promise<CashierView[]> {
    const accounts = await this.load();
    return Object.keys(accounts)
      .sort()
      .map((id) => view(id, accounts[id]!));
  }

  /** True once any account exists: from then on nothing is recorded without a cashier signed in. */
  async any(): Promise<boolean> {
    // A roster, even one whose cashiers are all disabled: the till's own bootstrap is over.
    const { accounts, central } = await this.loadAll();
    return central || Object.keys(accounts).length > 0;
  }

  async managerIds(): Promise<string[]> {
    return (await this.list()).filter((c) => c.role === 'manager').map((c) => c.cashierId);
  }

  private async matches(entry: PinHash | undefined, pin: string): Promise<boolean> {
    // Unknown ids cost the same as known ones, so ids cannot be probed by timing.
    const salt = entry ? Buffer.from(entry.salt, 'base64url') : randomBytes(16);
    const cost = entry ? { N: entry.N, r: entry.r, p: entry.p } : (this.options.cost ?? DEFAULT_COST);
    const key = await derive(pin, salt, cost);
    return entry !== undefined && timingSafeEqual(key, Buffer.from(entry.hash, 'base64url'));
  }

  /** Checks a cashier's PIN (any role); throws OVERRIDE_LOCKED or CASHIER_PIN_INVALID. */
  signIn(cashierId: string, pin: string): Promise<CashierView> {
    return this.check(cashierId, pin, 'cashier', 'CASHIER_PIN_INVALID');
  }

  /** Checks a manager's PIN; throws OVERRIDE_LOCKED or MANAGER_PIN_INVALID (a cashier's PIN too). */
  async verify(managerId: string, pin: string): Promise<void> {
    await this.check(managerId, pin, 'manager', 'MANAGER_PIN_INVALID');
  }

  private check(id: string, pin: string, role: CashierRole, refusal: ErrorCode): Promise<CashierView> {
    const run = this.checking.then(() => this.checkNow(id, pin, role, refusal));
    this.checking = run.catch(() => undefined);
    return run;
  }

  private async checkNow(
    id: string,
    pin: string,
    role: CashierRole,
    refusal: ErrorCode,
  ): Promise<CashierView> {
    const remaining = await this.lockout.remainingMs();
    if (remaining > 0) {
      await this.lockout.checkpoint();
      throw new ApiError('OVERRIDE_LOCKED', 'Too many wrong PINs: PINs are locked for a few minutes.', {
        retryAfterSeconds: Math.ceil(remaining / 1000),
      });
    }
    await this.lockout.countAttempt(this.options.maxFailures ?? 5, this.options.lockMs ?? 5 * 60_000);
    const { accounts, disabled } = await this.loadAll();
    // Counted like any wrong PIN; the roster keeps no PIN of theirs to check.
    if (disabled.has(id))
      throw new ApiError('CASHIER_DISABLED', 'This cashier was disabled in the back office.');
    const entry = accounts[id];
    // A cashier's right PIN is no manager's: it counts as a wrong one for a manager's check.
    if ((await this.matches(entry?.pin, pin)) && (role === 'cashier' || entry!.role === 'manager')) {
      await this.lockout.succeeded();
      return view(id, entry!);
    }
    throw new ApiError(
      refusal,
      role === 'manager' ? 'That manager id and PIN do not match.' : 'That cashier and PIN do not match.',
    );
  }

  /** Issue #16's call: sets a manager's PIN (the account is named by its id when new). */
  async set(
    managerId: string,
    pin: string,
    authorizedBy: { managerId: string; pin: string } | undefined,
  ): Promise<string[]> {
    const existing = (await this.load())[managerId];
    await this.setAccount(
      { cashierId: managerId, name: existing?.name ?? managerId, role: 'manager', pin },
      authorizedBy,
    );
    return this.managerIds();
  }

  /** Adds or changes an account; the first one must be a manager, later ones need a manager's PIN. */
  async setAccount(
    input: { cashierId: string; name: string; role: CashierRole; pin: string },
    authorizedBy: { managerId: string; pin: string } | undefined,
  ): Promise<CashierView[]> {
    const { accounts, central } = await this.loadAll();
    if (central)
      throw new ApiError(
        'CASHIERS_MANAGED_CENTRALLY',
        "This till's cashiers come from the back office: change them there.",
      );
    if (Object.keys(accounts).length > 0) {
      if (!authorizedBy)
        throw new ApiError('MANAGER_PIN_REQUIRED', "A manager's PIN is needed to change cashier accounts.");
      await this.verify(authorizedBy.managerId, authorizedBy.pin);
    } else if (input.role !== 'manager')
      throw new ApiError('MANAGER_ROLE_REQUIRED', 'The first account of a till is a manager.');
    const cost = this.options.cost ?? DEFAULT_COST;
    const salt = randomBytes(16);
    const hash = await derive(input.pin, salt, cost);
    const next: Accounts = {
      ...accounts,
      [input.cashierId]: {
        name: input.name,
        role: input.role,
        pin: { v: 1, ...cost, salt: salt.toString('base64url'), hash: hash.toString('base64url') },
      },
    };
    await this.settings.upsert({
      key: CASHIERS_KEY,
      value: encodeSetting(next as unknown as Parameters<typeof encodeSetting>[0]),
      updatedAt: Date.now(),
    });
    return this.list();
  }
}
