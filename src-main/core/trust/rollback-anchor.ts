import type { RxCollection } from 'rxdb';
import { z } from 'zod';
import type { KeyStore } from '../../../native/keystore';
import { ApiError } from '../../../protocol/api';
import type { ChainHead } from '../../../protocol/bundle/chain';
import type { SettingDoc } from '../store/schemas/settings';

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
 * Writes go store first, keychain second. A crash in between leaves the store AHEAD of the
 * keychain: accepted, and the keychain catches up at the next open. A store BEHIND the keychain
 * was put back from a copy (or its files were deleted): the rollback is recorded in the keychain
 * and holds until a signed server check-in of each side clears it: the till refuses to record, the
 * reader's licences count as offline-expired. What the store forgot comes back from the keychain:
 * the sale sequence continues after the keychain's last sale (the server sees the gap and holds the
 * bundle for review), the lockout as it was, the clock never below the keychain's high-water mark.
 *
 * Out of reach: a user who can write the keychain itself (the same OS user restoring the keyring
 * file too). Only a hardware monotonic counter (TPM NV) would stop that; docs/security.md says so.
 */

/** The store's half: its generation, in the settings collection. */
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
  /**
   * The store's file did not exist before this open (a first start, the data directory deleted,
   * another profile on the same keychain): a new store starts a new anchor, its generation still
   * rising. Nothing of an older store comes with it (no sale, licence or lockout), so there is
   * nothing to roll back: the till must be enrolled again, the laptop registered again.
   */
  createdNow?: boolean;
}

export class RollbackAnchor {
  private writes: Promise<void> = Promise.resolve();
  /** The last keychain write failed: nothing is recorded until one succeeds. */
  private unanchored: unknown = null;

  private constructor(
    private readonly options: Required<Omit<RollbackAnchorOptions, 'name' | 'createdNow'>> & {
      account: string;
    },
    private record: AnchorRecord,
  ) {}

  /**
   * Reads both halves and compares them. Keychain absent: the first start (or one before this
   * anchor existed), anchored from the store as it is. A keychain entry that is not an anchor is
   * refused like a corrupt database key: the store does not open on a guess.
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
    const stored = await readGeneration(options.settings);
    const anchor = new RollbackAnchor(
      { keyStore: options.keyStore, settings: options.settings, now, account },
      kept && options.createdNow ? { ...EMPTY, generation: kept.generation } : (kept ?? EMPTY),
    );
    if (kept && options.createdNow) {
      await anchor.update(() => ({}));
    } else if (kept && stored < kept.generation) {
      // Behind: this store is older than the keychain has seen. Both sides are suspended until they
      // check in, and the sales the keychain saw past the store's outbox are a lost run.
      const lost = kept.sale && !kept.lost.some((h) => sameHead(h, kept.sale!)) ? [kept.sale] : [];
      await anchor.update(() => ({
        rollback: { detectedAt: now(), till: true, reader: true },
        lost: [...kept.lost, ...lost].slice(-MAX_LOST_RUNS),
      }));
    } else if (!kept || stored > kept.generation) {
      // First start, or ahead after a crash between the store's write and the keychain's.
      anchor.record = { ...anchor.record, generation: Math.max(stored, anchor.record.generation) };
      await anchor.update(() => ({}));
    }
    return anchor;
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
      };
      await this.options.settings.upsert({
        key: GENERATION_SETTING,
        value: String(next.generation),
        updatedAt: this.options.now(),
      });
      this.record = next;
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

  /** True while `side` waits for its signed check-in after a rollback. */
  suspended(side: 'till' | 'reader'): boolean {
    return this.record.rollback?.[side] === true;
  }

  /** The reader's view (reader/index.ts, secure-clock.ts, library-service.ts). */
  forReader(): ReaderAnchor {
    return {
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
        // A keychain that refused the last write is tried again before anything else is recorded.
        if (this.unanchored) await this.update(() => ({}));
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

async function readGeneration(settings: RxCollection<SettingDoc>): Promise<number> {
  const doc = await settings.findOne(GENERATION_SETTING).exec();
  const value = doc ? Number(doc.value) : 0;
  return Number.isSafeInteger(value) && value > 0 ? value : 0;
}
