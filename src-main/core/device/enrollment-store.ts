import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BehaviorSubject, type Observable } from 'rxjs';
import { z } from 'zod';
import { Enrollment } from '../../../protocol/api';
import { writeAtomically } from '../files/atomic-write';

/** What the core keeps about its enrollment: the public parts only; keys stay in the keychain. */
export const EnrollmentRecord = z.object({
  enrollment: Enrollment,
  server: z
    .object({
      signingPublicKeyPem: z.string(),
      hpkePublicKey: z.string(),
    })
    .nullable(),
  /** The country's offline policy as last served; enforced while offline. */
  policy: z.unknown().nullable(),
  /** Server time minus local time at the last check-in, for a clock the user cannot wind back. */
  serverClockOffsetMs: z.number().nullable(),
});
export type EnrollmentRecord = z.infer<typeof EnrollmentRecord>;

export const NOT_ENROLLED: EnrollmentRecord = {
  enrollment: {
    state: 'not_enrolled',
    mode: null,
    serverUrl: null,
    tenant: null,
    country: null,
    currency: null,
    userEmail: null,
    enrolledAt: null,
    lastCheckInAt: null,
  },
  server: null,
  policy: null,
  serverClockOffsetMs: null,
};

export class EnrollmentStore {
  private readonly subject: BehaviorSubject<EnrollmentRecord>;

  private constructor(
    private readonly file: string,
    initial: EnrollmentRecord,
  ) {
    this.subject = new BehaviorSubject(initial);
  }

  static async open(dataDir: string): Promise<EnrollmentStore> {
    const file = join(dataDir, 'enrollment.json');
    let initial = NOT_ENROLLED;
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (text !== null) {
      // A damaged record is not silently reset: enrollment is state the server also holds.
      const parsed = EnrollmentRecord.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(`${file} is damaged: ${z.prettifyError(parsed.error)}`);
      initial = parsed.data;
    }
    return new EnrollmentStore(file, initial);
  }

  get current(): EnrollmentRecord {
    return this.subject.value;
  }

  get changes(): Observable<EnrollmentRecord> {
    return this.subject.asObservable();
  }

  async save(record: EnrollmentRecord): Promise<EnrollmentRecord> {
    const valid = EnrollmentRecord.parse(record);
    await writeAtomically(this.file, JSON.stringify(valid, null, 2));
    this.subject.next(valid);
    return valid;
  }

  close(): void {
    this.subject.complete();
  }
}
