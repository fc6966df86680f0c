import type { KeyStore } from '../../native/keystore';
import { ENROLLMENT_SETTING, type EnrollmentRecord } from '../../src-main/core/device/enrollment-store';
import { openAppDatabase } from '../../src-main/core/store/database';

/** What differs between the tills tests enroll this way. */
export interface PosEnrollmentFields {
  serverUrl: string;
  hpkePublicKey: string;
  policy: unknown;
  signingPublicKeyPem?: string;
}

/** The record a POS till's code redemption writes, for shop-42 in Senegal. */
export function posEnrollmentRecord(fields: PosEnrollmentFields): EnrollmentRecord {
  const now = new Date().toISOString();
  return {
    enrollment: {
      state: 'enrolled',
      mode: 'pos',
      serverUrl: fields.serverUrl,
      tenant: { type: 'merchant', id: 'shop-42' },
      country: 'SN',
      currency: 'XOF',
      userEmail: null,
      enrolledAt: now,
      lastCheckInAt: now,
    },
    server: {
      signingPublicKeyPem: fields.signingPublicKeyPem ?? 'unused',
      hpkePublicKey: fields.hpkePublicKey,
    },
    policy: fields.policy,
    serverClockOffsetMs: 0,
  };
}

/**
 * An enrolled till without a server round trip: the enrollment record a code redemption writes, put
 * into the data directory's encrypted store (keyed by `keyStore`) before the core first starts. The
 * core reads enrollment from that store only; a plain enrollment.json is deleted unread (issue #16).
 */
export async function seedEnrollment(
  dataDir: string,
  keyStore: KeyStore,
  fields: PosEnrollmentFields,
): Promise<void> {
  await seedEnrollmentRecord(dataDir, keyStore, posEnrollmentRecord(fields));
}

/** Puts `record` into the data directory's encrypted store, where the core reads its enrollment. */
export async function seedEnrollmentRecord(
  dataDir: string,
  keyStore: KeyStore,
  record: EnrollmentRecord,
): Promise<void> {
  const db = await openAppDatabase({ dataDir, keyStore });
  try {
    await db.rx.collections.settings.upsert({
      key: ENROLLMENT_SETTING,
      value: JSON.stringify(record),
      updatedAt: Date.now(),
    });
  } finally {
    await db.close();
  }
}
