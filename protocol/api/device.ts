import { z } from 'zod';
import { Empty, type FeatureContract } from './feature';

/**
 * The device's part of the API contract: what it is to the server (enrollment) and its live status
 * (identity, server reachability, IT provisioning).
 */

export const ServerReachability = z.enum(['unknown', 'online', 'offline']);

export const EnrollmentState = z.enum(['not_enrolled', 'enrolled', 'revoked']);
export const EnrollmentMode = z.enum(['pos', 'laptop']);

/** What this device is to the server; kept by the core, shown in Settings. */
export const Enrollment = z.object({
  state: EnrollmentState,
  mode: EnrollmentMode.nullable(),
  serverUrl: z.string().nullable(),
  tenant: z.object({ type: z.string(), id: z.string() }).nullable(),
  country: z.string().nullable(),
  currency: z.string().nullable(),
  userEmail: z.string().nullable(),
  enrolledAt: z.iso.datetime().nullable(),
  lastCheckInAt: z.iso.datetime().nullable(),
});
export type Enrollment = z.infer<typeof Enrollment>;

export const DeviceStatus = z.object({
  appVersion: z.string(),
  platform: z.string(),
  /** Null until the identity is read from the OS keychain (or when the keychain is unavailable). */
  deviceId: z.string().nullable(),
  fingerprint: z.string().nullable(),
  identityError: z.string().nullable(),
  /** IT's signed provisioning file: applied, refused (with why), or none placed. */
  provisioning: z.object({
    state: z.enum(['absent', 'applied', 'refused']),
    message: z.string().nullable(),
  }),
  /** What IT allows on this device (both unless a provisioning file says otherwise). */
  features: z.array(z.enum(['pos', 'library'])),
  enrollment: EnrollmentState,
  enrollmentMode: EnrollmentMode.nullable(),
  /**
   * The till's data directory was deleted or put back from a copy while the keychain kept its
   * identity (src-main/core/trust/rollback-anchor.ts): no sale until its first signed check-in, and
   * a till that lost its enrollment needs a new code from the back office (docs/sync.md).
   */
  tillStopped: z.boolean(),
  server: z.object({
    url: z.string(),
    reachability: ServerReachability,
    checkedAt: z.iso.datetime().nullable(),
    lastError: z.string().nullable(),
  }),
  startedAt: z.iso.datetime(),
});
export type DeviceStatus = z.infer<typeof DeviceStatus>;

/** Enrollment codes are typed by people: accept any case, spaces or dashes, normalise later. */
export const EnrollmentCodeInput = z.object({
  code: z
    .string()
    .trim()
    .min(8)
    .max(40)
    .regex(/^[0-9A-Za-z\s-]+$/, 'letters, digits and dashes only'),
});

export const LaptopRegistrationInput = z.object({
  email: z.email().max(254),
  password: z.string().min(1).max(1024),
  name: z.string().trim().min(1).max(64),
});

export const deviceApi = {
  commands: {
    'app.status': { input: Empty, output: DeviceStatus },
    'enrollment.get': { input: Empty, output: Enrollment },
    /** A POS terminal redeems the one-time code an admin issued for it. */
    'enrollment.redeemCode': { input: EnrollmentCodeInput, output: Enrollment },
    /** A student's laptop is registered by its signed-in user. */
    'enrollment.registerLaptop': { input: LaptopRegistrationInput, output: Enrollment },
    'enrollment.checkIn': { input: Empty, output: Enrollment },
  },
  subscriptions: {
    /** Emits the current status at once, then on every change. */
    'device.status': { input: Empty, item: DeviceStatus },
  },
} as const satisfies FeatureContract;
