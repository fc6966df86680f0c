import { randomBytes } from 'node:crypto';
import { BehaviorSubject, distinctUntilChanged, map, type Observable } from 'rxjs';
import type { RxCollection } from 'rxdb';
import { z } from 'zod';
import type { KeyStore } from '../../../native/keystore';
import { ApiError } from '../../../protocol/api';
import type { ChainHead } from '../../../protocol/bundle/chain';
import type { SettingDoc } from '@outpost/terminal-sdk';

/**
 * Anti-rollback anchor (issue #16, ninth red-team pass M-1/M-3). Everything the app remembers lives
 * in the encrypted store, and a copy of the data directory put back later opens with the same
 * keychain key: unsynced sales vanish, the PIN lockout resets, the secure clock and revoked
 * licences come back. The keychain is the one place a file copy does not roll back, so it keeps a
 * small record next to the store's key: a generation bumped with every change that matters (a
 * sale, refund or void recorded; a PIN attempt; a secure-clock save; a licence state change), the
 * till's last sale, the PIN lockout and the secure clock's high-water mark. The store keeps only
 * its generation.
 *
 * Writes go store first, keychain second, and each write draws a random epoch that both halves
 * carry (the store also keeps the epoch it followed). A crash in between leaves the store ONE
 * write ahead, following the keychain's epoch: accepted, and the keychain catches up at the next
 * open. Anything else the keychain has not seen is a rollback: a store behind the keychain (put
 * back from a copy), a new empty store on a keychain that holds an anchor (the files deleted), a
 * store at the keychain's generation with another epoch (a fork), a store more than one write
 * ahead (the keychain refused writes, e.g. a locked keyring, and a copy was taken meanwhile) and a
 * store that has been anchored (generation > 0) on a keychain with no anchor (the entry deleted).
 * The rollback is recorded in the keychain and holds until a signed server check-in of each side
 * clears it: the till refuses to record, the reader's licences count as offline-expired. What the
 * store forgot comes back from the keychain: the sale sequence continues after the keychain's last
 * sale (the server sees the gap and holds the bundle for review), the lockout as it was, the clock
 * never below the keychain's high-water mark. Only no anchor and a store at generation 0 is a first
 * start. While a keychain write is failing, neither the till nor the reader goes on (`ready`).
 *
 * Out of reach: a user who can write the keychain itself (the same OS user restoring the keyring
 * file too). Only a hardware monotonic counter (TPM NV) would stop that; docs/security.md says so.
 */

/**
 * The store's half, in the settings collection: `{ generation, epoch, previous }` as JSON (the
 * epoch of its last write and the one that write followed); a bare number before epochs existed.
 */
export const GENERATION_SETTING = 'store.generation';

/** The keychain account of the anchor of database `name` (beside its key, `db-key:<name>`). */
export const anchorAccount = (name: string): string => `anchor:${name}`;

const Head = z.object({
  deviceId: z.string().min(1).max(64),
  seq: z.number().int().nonnegative(),
  hash: z.string().max(128),
});
export type AnchoredHead = z.infer<typeof Head>;

const Lockout = z.object({
  failures: z.number().int().nonnegative(),
  lockRemainingMs: z.number().nonnegative(),
});
export type AnchoredLockout = z.infer<typeof Lockout>;

/** Sale runs a rollback took from the store, kept so the till pushes past them (at most this many). */
const MAX_LOST_RUNS = 32;

export const AnchorRecord = z.object({
  v: z.literal(1),
  generation: z.number().int().nonnegative(),
  /** The last sale, refund or void recorded (the chain head the next one continues). */
  sale: Head.nullable(),
  lockout: Lockout.nullable(),
  /** The reader's secure clock never answers below this (epoch ms). */
  clockHighWaterMs: z.number().int().nonnegative(),
  /** A store behind this record was opened; each side clears at its own signed check-in. */
  rollback: z
    .object({ detectedAt: z.number().int().nonnegative(), till: z.boolean(), reader: z.boolean() })
    .nullable(),
  /**
   * The chain head of each run of sales a rollback erased before they reached the store's outbox:
   * the next bundle starts after it, so the server sees a SEQUENCE_GAP instead of a reused seq.
   */
  lost: z.array(Head).max(MAX_LOST_RUNS),
  /** Drawn at random by each write, stored by both halves (absent in anchors written before it). */
  epoch: z.string().max(64).optional(),
});
export type AnchorRecord = z.infer<typeof AnchorRecord>;

const EMPTY: AnchorRecord = {
  v: 1,
  generation: 0,
  sale: null,
  lockout: null,
  clockHighWaterMs: 0,
  rollback: null,
  lost: [],
};

type Change = Partial<Omit<AnchorRecord, 'v' | 'generation'>>;

export interface RollbackAnchorOptions {
  keyStore: KeyStore;
  settings: RxCollection<SettingDoc>;
  /** Database name (default 'outpost'): the keychain account is `anchor:<name>`. */
  name?: string;
  /** Wall clock for `detectedAt` (informative only). */
  now?: () => number;
}

export class RollbackAnchor {
  private writes: Promise<void> = Promise.resolve();
  /** The last keychain write failed: nothing is recorded until one succeeds. */
  private unanchored: unknown = null;
  /** No anchor in the keychain and a store never anchored: a new install (see `firstStart`). */
  private fresh = false;
  private readonly records: BehaviorSubject<AnchorRecord>;

  private constructor(
    private readonly options: Required<Omit<RollbackAnchorOptions, 'name'>> & {
      account: string;
    },
    private record: AnchorRecord,
  ) {
    this.records = new BehaviorSubject(record);
  }

  /**
   * Reads both halves and compares them (see the class comment). A keychain entry that is not an
   * anchor is refused like a corrupt database key: the store does not open on a guess.
   */
  static async open(options: RollbackAnchorOptions): Promise<RollbackAnchor> {
    const account = anchorAccount(options.name ?? 'outpost');
    const now = options.now ?? Date.now;
    const entry = await options.keyStore.get(account);
    let kept: AnchorRecord | null = null;
    if (entry) {
      const parsed = AnchorRecord.safeParse(safeJson(entry.toString('utf8')));
      if (!parsed.success)
        throw new ApiError('STORE_UNAVAILABLE', `The keychain entry ${account} is not a store anchor.`);
      kept = parsed.data;
    }
    const stored = await readStoreHalf(options.settings);
    const anchor = new RollbackAnchor(
      { keyStore: options.keyStore, settings: options.settings, now, account },
      kept ?? EMPTY,
    );
    if (!kept && stored.generation === 0) {
      // A new install: nothing was ever anchored on either side.
      anchor.fresh = true;
      await anchor.update(() => ({}));
    } else if (kept && followsFrom(stored, kept)) {
      // The same write, or one write ahead after a crash between the two: the keychain catches up.
      if (stored.generation > kept.generation) {
        anchor.record = { ...kept, generation: stored.generation, epoch: stored.epoch ?? undefined };
        await anchor.update(() => ({}));
      }
    } else {
      // Rolled back: behind, deleted, forked, ahead by writes the keychain refused, or the anchor
      // deleted under an anchored store. Both sides are suspended until they check in, and the
      // sales the keychain saw past the store's outbox are a lost run.
      const base = kept ?? EMPTY;
      const lost = base.sale && !base.lost.some((h) => sameHead(h, base.sale!)) ? [base.sale] : [];
      anchor.record = { ...base, generation: Math.max(base.generation, stored.generation) };
      await anchor.update(() => ({
        rollback: { detectedAt: now(), till: true, reader: true },
        lost: [...base.lost, ...lost].slice(-MAX_LOST_RUNS),
      }));
    }
    return anchor;
  }

  /**
   * True on a new install only (no anchor in the keychain, a store never anchored): the one start
   * that may take in what older versions kept in plain files (device/enrollment-store.ts).
   */
  get firstStart(): boolean {
    return this.fresh;
  }

  get current(): AnchorRecord {
    return this.record;
  }

  /**
   * Applies `change` and bumps the generation: the store's half first, then the keychain's, one
   * write after another. Resolves once the keychain holds it; rejects (KEYCHAIN_UNAVAILABLE) when
   * the keychain refused, and the next `update` writes the whole record again.
   */
  update(change: (record: AnchorRecord) => Change): Promise<void> {
    const run = this.writes.then(async () => {
      const next: AnchorRecord = {
        ...this.record,
        ...change(this.record),
        generation: this.record.generation + 1,
        epoch: randomBytes(12).toString('base64url'),
      };
      const half: StoreHalf = {
        generation: next.generation,
        epoch: next.epoch!,
        previous: this.record.epoch ?? null,
      };
      await this.options.settings.upsert({
        key: GENERATION_SETTING,
        value: JSON.stringify(half),
        updatedAt: this.options.now(),
      });
      this.record = next;
      this.records.next(next);
      try {
        await this.options.keyStore.set(this.options.account, Buffer.from(JSON.stringify(next), 'utf8'));
        this.unanchored = null;
      } catch (error) {
        this.unanchored = error;
        console.error('[anchor] the keychain refused the store anchor', error);
        throw new ApiError(
          'KEYCHAIN_UNAVAILABLE',
          'The OS keychain refused to record this change: nothing more is recorded until it does.',
        );
      }
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  /** Clears one side's suspension after its signed check-in (no write when it was not suspended). */
  async checkedIn(side: 'till' | 'reader'): Promise<void> {
    if (!this.suspended(side)) return;
    await this.update((r) => {
      if (!r.rollback) return {};
      const rollback = { ...r.rollback, [side]: false };
      return { rollback: rollback.till || rollback.reader ? rollback : null };
    });
  }

  /** Whether `side` waits for its signed check-in after a rollback, now and at each change. */
  suspensions(side: 'till' | 'reader'): Observable<boolean> {
    return this.records.pipe(
      map((r) => r.rollback?.[side] === true),
      distinctUntilChanged(),
    );
  }

  /** True while `side` waits for its signed check-in after a rollback. */
  suspended(side: 'till' | 'reader'): boolean {
    return this.record.rollback?.[side] === true;
  }

  /**
   * A keychain that refused the last write is tried again before anything else is recorded or
   * opened; still refused, this rejects (KEYCHAIN_UNAVAILABLE): the store has moved on where the
   * keychain has not, and a copy taken meanwhile must not be worth anything.
   */
  private async retryRefused(): Promise<void> {
    if (this.unanchored) await this.update(() => ({}));
  }

  /** The reader's view (reader/index.ts, secure-clock.ts, library-service.ts). */
  forReader(): ReaderAnchor {
    return {
      ready: () => this.retryRefused(),
      highWaterMs: () => this.record.clockHighWaterMs,
      suspended: () => this.suspended('reader'),
      clockSaved: (ms) =>
        this.update((r) => ({ clockHighWaterMs: Math.max(r.clockHighWaterMs, Math.floor(ms)) })),
      licenceChanged: () => this.update(() => ({})),
      checkedIn: () => this.checkedIn('reader'),
    };
  }

  /** The till's view (pos-service.ts, sync-service.ts). */
  forTill(): TillAnchor {
    return {
      ready: async () => {
        if (this.suspended('till'))
          throw new ApiError(
            'STORE_ROLLED_BACK',
            "This till's data was put back from an older copy: sales are stopped until it connects to the server. Call a manager.",
          );
        await this.retryRefused();
      },
      head: (deviceId) => (this.record.sale?.deviceId === deviceId ? this.record.sale : null),
      recorded: (deviceId, head) => this.update(() => ({ sale: { deviceId, ...head } })),
      lost: (deviceId) => this.record.lost.filter((h) => h.deviceId === deviceId),
      lockout: () => this.record.lockout,
      saveLockout: (lockout) => this.update(() => ({ lockout })),
    };
  }
}

/** What the reader reads and writes of the anchor. */
export interface ReaderAnchor {
  /** Rejects (KEYCHAIN_UNAVAILABLE) while the keychain refuses writes: nothing opens meanwhile. */
  ready(): Promise<void>;
  /** The secure clock never answers below this. */
  highWaterMs(): number;
  /** True until the reader's licence states are fresh from a signed check-in after a rollback. */
  suspended(): boolean;
  clockSaved(highWaterMs: number): Promise<void>;
  /** A licence's state changed (revoked, returned, taken): the store moved on. */
  licenceChanged(): Promise<void>;
  /** The signed licence states are applied: the suspension lifts. */
  checkedIn(): Promise<void>;
}

/** What the till reads and writes of the anchor. */
export interface TillAnchor {
  /** Throws STORE_ROLLED_BACK until the till's signed check-in after a rollback. */
  ready(): Promise<void>;
  /** The last sale the keychain saw from this device, null when none. */
  head(deviceId: string): ChainHead | null;
  /** A sale was written: anchored before it is acknowledged. */
  recorded(deviceId: string, head: ChainHead): Promise<void>;
  /** Heads of runs of sales a rollback erased (the sync pushes past them). */
  lost(deviceId: string): readonly ChainHead[];
  lockout(): AnchoredLockout | null;
  saveLockout(lockout: AnchoredLockout): Promise<void>;
}

function sameHead(a: AnchoredHead, b: AnchoredHead): boolean {
  return a.deviceId === b.deviceId && a.seq === b.seq && a.hash === b.hash;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The store's half of the anchor (GENERATION_SETTING). */
interface StoreHalf {
  generation: number;
  epoch: string | null;
  /** The epoch of the record this write followed: the keychain's, after a crash between the two. */
  previous: string | null;
}

const StoredHalf = z.object({
  generation: z.number().int().positive(),
  epoch: z.string().max(64),
  previous: z.string().max(64).nullable(),
});

/**
 * True when the store is the keychain's write or the one after it (a crash between the two). An
 * anchor from before epochs existed compares generations only; from then on the epochs must match.
 */
function followsFrom(stored: StoreHalf, kept: AnchorRecord): boolean {
  if (kept.epoch === undefined)
    return stored.generation === kept.generation || stored.generation === kept.generation + 1;
  if (stored.generation === kept.generation) return stored.epoch === kept.epoch;
  return stored.generation === kept.generation + 1 && stored.previous === kept.epoch;
}

async function readStoreHalf(settings: RxCollection<SettingDoc>): Promise<StoreHalf> {
  const doc = await settings.findOne(GENERATION_SETTING).exec();
  if (!doc) return { generation: 0, epoch: null, previous: null };
  const half = StoredHalf.safeParse(safeJson(doc.value));
  if (half.success) return half.data;
  // A bare generation (before epochs); anything unreadable counts as anchored, never as new.
  const value = Number(doc.value);
  return { generation: Number.isSafeInteger(value) && value > 0 ? value : 1, epoch: null, previous: null };
}
