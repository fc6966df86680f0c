import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The enrollment record as older versions kept it in a plain enrollment.json, which the core moves
 * into its encrypted store at start (and never reads again): how tests enroll a till without a
 * server round trip.
 */
export async function writeLegacyEnrollment(
  dataDir: string,
  fields: { serverUrl: string; hpkePublicKey: string; policy: unknown; signingPublicKeyPem?: string },
): Promise<void> {
  const now = new Date().toISOString();
  await writeFile(
    join(dataDir, 'enrollment.json'),
    JSON.stringify({
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
    }),
  );
}
