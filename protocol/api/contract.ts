import type { z } from 'zod';
import { deployApi } from './deploy';
import { deviceApi } from './device';
import type { FeatureContract } from './feature';
import { hardwareApi } from './hardware';
import { libraryApi } from './library';
import { localShopApi } from './local-shop';
import { posApi } from './pos';
import { qrApi } from './qr';
import { settingsApi } from './settings';
import { syncApi } from './sync';

/**
 * The one table of every call the UI can make, composed from each feature's contract
 * (protocol/api/<feature>.ts). The Electron IPC binding, the WebSocket host and the renderer's typed
 * client are all derived from it, and the core must implement every feature listed here
 * (src-main/core/modules.ts), so adding a feature is its contract file plus one entry below.
 */
export const FEATURES = {
  settings: settingsApi,
  device: deviceApi,
  deploy: deployApi,
  hardware: hardwareApi,
  pos: posApi,
  qr: qrApi,
  sync: syncApi,
  library: libraryApi,
  localShop: localShopApi,
} as const satisfies Record<string, FeatureContract>;

export type Features = typeof FEATURES;
export type FeatureName = keyof Features;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;
type Flatten<T> = { [K in keyof T]: T[K] };
type Composed<T extends 'commands' | 'subscriptions'> = Flatten<
  UnionToIntersection<Features[FeatureName][T]>
>;

/** One table from every feature's; a name two features both declare is a mistake caught at load. */
function compose<T extends 'commands' | 'subscriptions'>(part: T): Composed<T> {
  const table: Record<string, unknown> = {};
  for (const [feature, contract] of Object.entries(FEATURES)) {
    for (const [name, spec] of Object.entries(contract[part])) {
      if (Object.hasOwn(table, name)) throw new Error(`${name} is declared twice (again by ${feature})`);
      table[name] = spec;
    }
  }
  return table as Composed<T>;
}

export const commands = compose('commands');
export const subscriptions = compose('subscriptions');

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
