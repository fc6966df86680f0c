import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { RxCollection } from 'rxdb';
import { ApiError } from '../../../protocol/api';
import { decodeSetting, encodeSetting, type SettingDoc } from '../store/schemas/index';

/**
 * Manager PINs, kept as scrypt hashes in the settings collection (key `pos.managers`), one per
 * manager id. The first manager of a terminal is set freely; every later change needs an existing
 * manager's PIN. Five wrong PINs in a row lock overrides until `lockMs` has passed.
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
  private failures = 0;
  private lockedUntil = 0;

  constructor(
    private readonly settings: RxCollection<SettingDoc>,
    private readonly options: {
      cost?: { N: number; r: number; p: number };
      lockMs?: number;
      maxFailures?: number;
    } = {},
  ) {}

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
  async verify(managerId: string, pin: string): Promise<void> {
    const now = Date.now();
    if (now < this.lockedUntil)
      throw new ApiError(
        'OVERRIDE_LOCKED',
        'Too many wrong manager PINs: overrides are locked for a few minutes.',
        { until: new Date(this.lockedUntil).toISOString() },
      );
    const managers = await this.load();
    if (await this.matches(managers[managerId], pin)) {
      this.failures = 0;
      return;
    }
    this.failures += 1;
    if (this.failures >= (this.options.maxFailures ?? 5)) {
      this.failures = 0;
      this.lockedUntil = now + (this.options.lockMs ?? 5 * 60_000);
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
