import { z } from 'zod';
import { isKnownCurrency } from '../money';

/**
 * The one table of every call the UI can make. The Electron IPC binding, the WebSocket host and the
 * renderer's typed client are all derived from it, so adding a call is one entry here plus its
 * implementation in the core.
 */

export const Locale = z.enum(['en', 'fr']);
export type Locale = z.infer<typeof Locale>;

/** ISO 4217 alphabetic code; the minor-unit exponent comes from Intl, never from here. */
export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'ISO 4217 code, three capital letters')
  .refine(isKnownCurrency, 'not an ISO 4217 currency');

export const Settings = z.object({
  locale: Locale,
  serverUrl: z.url({ protocol: /^https?$/ }),
  currency: CurrencyCode,
  terminalName: z.string().trim().min(1).max(64),
});
export type Settings = z.infer<typeof Settings>;

export const SettingsPatch = Settings.partial().strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

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
  enrollment: EnrollmentState,
  enrollmentMode: EnrollmentMode.nullable(),
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

const Empty = z.object({}).strict();

export const commands = {
  'app.status': { input: Empty, output: DeviceStatus },
  'settings.get': { input: Empty, output: Settings },
  'settings.update': { input: SettingsPatch, output: Settings },
  'enrollment.get': { input: Empty, output: Enrollment },
  /** A POS terminal redeems the one-time code an admin issued for it. */
  'enrollment.redeemCode': { input: EnrollmentCodeInput, output: Enrollment },
  /** A student's laptop is registered by its signed-in user. */
  'enrollment.registerLaptop': { input: LaptopRegistrationInput, output: Enrollment },
  'enrollment.checkIn': { input: Empty, output: Enrollment },
} as const;

export const subscriptions = {
  /** Emits the current status at once, then on every change. */
  'device.status': { input: Empty, item: DeviceStatus },
  'settings.changes': { input: Empty, item: Settings },
} as const;

export type Commands = typeof commands;
export type Subscriptions = typeof subscriptions;
export type CommandName = keyof Commands;
export type SubscriptionName = keyof Subscriptions;

export type CommandInput<K extends CommandName> = z.input<Commands[K]['input']>;
export type CommandOutput<K extends CommandName> = z.output<Commands[K]['output']>;
export type SubscriptionInput<K extends SubscriptionName> = z.input<Subscriptions[K]['input']>;
export type SubscriptionItem<K extends SubscriptionName> = z.output<Subscriptions[K]['item']>;

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.hasOwn(commands, name);
}

export function isSubscriptionName(name: unknown): name is SubscriptionName {
  return typeof name === 'string' && Object.hasOwn(subscriptions, name);
}
