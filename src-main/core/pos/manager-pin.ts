import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { RxCollection } from 'rxdb';
import { ApiError } from '../../../protocol/api';
import { decodeSetting, encodeSetting, type SettingDoc } from '../store/schemas/index';
import { PinLockout } from './pin-lockout';

/**
 * Manager PINs, kept as scrypt hashes in the settings collection (key `pos.managers`), one per
 * manager id. The first manager of a terminal is set freely; every later change needs an existing
 * manager's PIN. Five wrong PINs in a row lock overrides for `lockMs` of app running time; the count
 * and the lock are kept in the encrypted store and survive restarts and OS clock changes
 * (pin-lockout.ts, issue #16).
 */

export const MANAGERS_KEY = 'pos.managers';

interface PinHash {
  v: 1;
  N: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
}
type Managers = Record<string, PinHash>;

const DEFAULT_COST = { N: 16384, r: 8, p: 1 };

function derive(pin: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 128 * cost.N * cost.r * 2 };
  return new Promise((resolve, reject) =>
    scrypt(pin, salt, 32, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export class ManagerPins {
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
    } = {},
  ) {
    this.lockout = new PinLockout(settings, options.monotonic ?? (() => performance.now()));
  }

  private async load(): Promise<Managers> {
    const doc = await this.settings.findOne(MANAGERS_KEY).exec();
    return doc ? (decodeSetting(doc) as unknown as Managers) : {};
  }

  async managerIds(): Promise<string[]> {
    return Object.keys(await this.load()).sort();
  }

  private async matches(entry: PinHash | undefined, pin: string): Promise<boolean> {
    // Unknown managers cost the same as known ones, so ids cannot be probed by timing.
    const salt = entry ? Buffer.from(entry.salt, 'base64url') : randomBytes(16);
    const cost = entry ? { N: entry.N, r: entry.r, p: entry.p } : (this.options.cost ?? DEFAULT_COST);
    const key = await derive(pin, salt, cost);
    return entry !== undefined && timingSafeEqual(key, Buffer.from(entry.hash, 'base64url'));
  }

  /** Checks a manager's PIN; throws OVERRIDE_LOCKED or MANAGER_PIN_INVALID. */
  verify(managerId: string, pin: string): Promise<void> {
    const run = this.checking.then(() => this.verifyNow(managerId, pin));
    this.checking = run.catch(() => undefined);
    return run;
  }

  private async verifyNow(managerId: string, pin: string): Promise<void> {
    const remaining = await this.lockout.remainingMs();
    if (remaining > 0) {
      await this.lockout.checkpoint();
      throw new ApiError(
        'OVERRIDE_LOCKED',
        'Too many wrong manager PINs: overrides are locked for a few minutes.',
        { retryAfterSeconds: Math.ceil(remaining / 1000) },
      );
    }
    await this.lockout.countAttempt(this.options.maxFailures ?? 5, this.options.lockMs ?? 5 * 60_000);
    const managers = await this.load();
    if (await this.matches(managers[managerId], pin)) {
      await this.lockout.succeeded();
      return;
    }
    throw new ApiError('MANAGER_PIN_INVALID', 'That manager id and PIN do not match.');
  }

  async set(
    managerId: string,
    pin: string,
    authorizedBy: { managerId: string; pin: string } | undefined,
  ): Promise<string[]> {
    const managers = await this.load();
    if (Object.keys(managers).length > 0) {
      if (!authorizedBy)
        throw new ApiError('MANAGER_PIN_REQUIRED', "An existing manager's PIN is needed to set a PIN.");
      await this.verify(authorizedBy.managerId, authorizedBy.pin);
    }
    const cost = this.options.cost ?? DEFAULT_COST;
    const salt = randomBytes(16);
    const hash = await derive(pin, salt, cost);
    const next: Managers = {
      ...managers,
      [managerId]: { v: 1, ...cost, salt: salt.toString('base64url'), hash: hash.toString('base64url') },
    };
    await this.settings.upsert({
      key: MANAGERS_KEY,
      value: encodeSetting(next as unknown as Parameters<typeof encodeSetting>[0]),
      updatedAt: Date.now(),
    });
    return Object.keys(next).sort();
  }
}
