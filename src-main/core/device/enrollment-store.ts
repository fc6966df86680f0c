import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RxCollection } from 'rxdb';
import { BehaviorSubject, type Observable } from 'rxjs';
import { z } from 'zod';
import { EnrollmentRecord, NOT_ENROLLED, type SettingDoc } from '@outpost/terminal-sdk';
import { ApiError } from '../../../protocol/api';

export { EnrollmentRecord, NOT_ENROLLED };

/** Settings key of the record in the encrypted store. */
export const ENROLLMENT_SETTING = 'device.enrollment';
/** Where versions before issue #16 kept the record, in plain JSON: read once, then deleted. */
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
   * Opens the record from the encrypted store. The first start after the upgrade (`legacyFile`: a
   * new install, no anchor in the keychain yet) moves the old plain file in, so an enrolled device
   * stays enrolled, and deletes it. Any other start deletes such a file unread: a store deleted and
   * a plain file dropped in its place must not come back enrolled (issue #16, tenth pass M-1).
   */
  static async open(
    settings: RxCollection<SettingDoc>,
    dataDir: string,
    options: { legacyFile: boolean },
  ): Promise<EnrollmentStore> {
    const legacy = join(dataDir, LEGACY_ENROLLMENT_FILE);
    const doc = await settings.findOne(ENROLLMENT_SETTING).exec();
    if (doc) {
      // A damaged record is not silently reset: enrollment is state the server also holds.
      const parsed = EnrollmentRecord.safeParse(JSON.parse(doc.value));
      if (!parsed.success)
        throw new Error(`The stored enrollment is damaged: ${z.prettifyError(parsed.error)}`);
      return new EnrollmentStore(settings, parsed.data);
    }
    if (!options.legacyFile) {
      await rm(legacy, { force: true });
      return new EnrollmentStore(settings, NOT_ENROLLED);
    }
    const text = await readFile(legacy, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (text === null) return new EnrollmentStore(settings, NOT_ENROLLED);
    const parsed = EnrollmentRecord.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${legacy} is damaged: ${z.prettifyError(parsed.error)}`);
    const store = new EnrollmentStore(settings, NOT_ENROLLED);
    await store.save(parsed.data);
    await rm(legacy, { force: true });
    return store;
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
