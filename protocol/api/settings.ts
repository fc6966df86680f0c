import { z } from 'zod';
import { isKnownCurrency } from '../money';
import { Empty, type FeatureContract } from './feature';

/** Settings' part of the API contract: the device's language, server address, currency and name. */

export const Locale = z.enum(['en', 'fr', 'id']);
export type Locale = z.infer<typeof Locale>;

/** The BCP 47 tag each locale formats dates, numbers and money with (id: Indonesian as in Indonesia). */
export const LOCALE_TAGS = { en: 'en-GB', fr: 'fr-FR', id: 'id-ID' } as const satisfies Record<
  Locale,
  string
>;

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
  /** The receipt's header (#18): the shop's name, address and tax id; empty: not printed. */
  shopName: z.string().trim().max(64).optional(),
  shopAddress: z.string().trim().max(200).optional(),
  shopTaxId: z.string().trim().max(40).optional(),
});
export type Settings = z.infer<typeof Settings>;

export const SettingsPatch = Settings.partial().strict();
export type SettingsPatch = z.infer<typeof SettingsPatch>;

export const settingsApi = {
  commands: {
    'settings.get': { input: Empty, output: Settings },
    'settings.update': { input: SettingsPatch, output: Settings },
  },
  subscriptions: {
    'settings.changes': { input: Empty, item: Settings },
  },
} as const satisfies FeatureContract;
