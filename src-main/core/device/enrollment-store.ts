import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RxCollection } from 'rxdb';
import { BehaviorSubject, type Observable } from 'rxjs';
import { z } from 'zod';
import { EnrollmentRecord, NOT_ENROLLED, type SettingDoc } from '@outpost/terminal-sdk';
import { ApiError } from '../../../protocol/api';

export { EnrollmentRecord, NOT_ENROLLED };

/** Settings key of the record in the encrypted store. */
export const ENROLLMENT_SETTING = 'device.enrollment';
/**
 * Where versions before issue #16 kept the record, in plain JSON: never read, deleted at start
 * (eleventh pass L-2: it was moved in on a store's first start, and a store and keychain anchor both
 * deleted made any start a first one, bringing a till back enrolled without a code).
 */
export const LEGACY_ENROLLMENT_FILE = 'enrollment.json';

/**
 * The enrollment record lives in the encrypted store (issue #16): it holds the server's address and
 * keys and the offline policy, so a plain file would let anyone with the disk redirect the till's
 * sales, swap the key licences are checked against or loosen the offline limits.
 */
export class EnrollmentStore {
  private readonly subject: BehaviorSubject<EnrollmentRecord>;
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly settings: RxCollection<SettingDoc> | null,
    initial: EnrollmentRecord,
  ) {
    this.subject = new BehaviorSubject(initial);
  }

  /**
   * Opens the record from the encrypted store, and deletes an old plain enrollment file unread: a
   * store deleted and a plain file dropped in its place must not come back enrolled (issue #16,
   * tenth pass M-1), nor with the keychain anchor deleted too (eleventh pass L-2). A till from
   * before the encrypted store, or one whose store was lost, is enrolled again with a code from the
   * back office (the server takes its known id back when it signs with its own keys).
   */
  static async open(settings: RxCollection<SettingDoc>, dataDir: string): Promise<EnrollmentStore> {
    await rm(join(dataDir, LEGACY_ENROLLMENT_FILE), { force: true });
    const doc = await settings.findOne(ENROLLMENT_SETTING).exec();
    if (doc) {
      // A damaged record is not silently reset: enrollment is state the server also holds.
      const parsed = EnrollmentRecord.safeParse(JSON.parse(doc.value));
      if (!parsed.success)
        throw new Error(`The stored enrollment is damaged: ${z.prettifyError(parsed.error)}`);
      return new EnrollmentStore(settings, parsed.data);
    }
    return new EnrollmentStore(settings, NOT_ENROLLED);
  }

  /** The app database could not be opened: not enrolled, and enrolling says why. */
  static unavailable(reason: string): EnrollmentStore {
    const store = new EnrollmentStore(null, NOT_ENROLLED);
    store.unavailableReason = reason;
    return store;
  }

  private unavailableReason = '';

  get current(): EnrollmentRecord {
    return this.subject.value;
  }

  get changes(): Observable<EnrollmentRecord> {
    return this.subject.asObservable();
  }

  /** Writes are serialised so a check-in and a pull cannot interleave their records. */
  save(record: EnrollmentRecord): Promise<EnrollmentRecord> {
    const run = this.writing.then(async () => {
      const valid = EnrollmentRecord.parse(record);
      if (!this.settings)
        throw new ApiError(
          'STORE_UNAVAILABLE',
          `The enrollment cannot be saved: the app database could not be opened (${this.unavailableReason}).`,
        );
      await this.settings.upsert({
        key: ENROLLMENT_SETTING,
        value: JSON.stringify(valid),
        updatedAt: Date.now(),
      });
      this.subject.next(valid);
      return valid;
    });
    this.writing = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.subject.complete();
  }
}
