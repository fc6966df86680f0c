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

export const DeviceStatus = z.object({
  appVersion: z.string(),
  platform: z.string(),
  deviceId: z.string().nullable(),
  enrollment: z.enum(['not_enrolled', 'enrolled', 'revoked']),
  server: z.object({
    url: z.string(),
    reachability: ServerReachability,
    checkedAt: z.iso.datetime().nullable(),
    lastError: z.string().nullable(),
  }),
  startedAt: z.iso.datetime(),
});
export type DeviceStatus = z.infer<typeof DeviceStatus>;

const Empty = z.object({}).strict();

export const commands = {
  'app.status': { input: Empty, output: DeviceStatus },
  'settings.get': { input: Empty, output: Settings },
  'settings.update': { input: SettingsPatch, output: Settings },
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
