import { z } from 'zod';
import { Empty, type FeatureContract } from './feature';

/**
 * The local shop (issue #19, item 11): where no server is configured, the app runs the server on
 * this computer (its embedded database, on 127.0.0.1), seeds a sample catalog and the chosen
 * country's policy, creates the owner's back-office account and enrolls itself as the shop's till.
 */

/**
 * The countries the first screen offers, each with its currency, the limits of its offline policy
 * (minor units; the owner changes them in the back office's Policies), the language the sample
 * catalog's categories and products are named in, and how much its prices (docs/examples/catalog.csv,
 * in XOF) are scaled by to read as real prices there.
 */
export const LOCAL_SHOP_COUNTRIES = {
  SN: {
    currency: 'XOF',
    language: 'fr',
    sampleScale: 1,
    limits: { offline: 200_000, unsynced: 2_000_000, approval: 100_000 },
  },
  CI: {
    currency: 'XOF',
    language: 'fr',
    sampleScale: 1,
    limits: { offline: 200_000, unsynced: 2_000_000, approval: 100_000 },
  },
  FR: {
    currency: 'EUR',
    language: 'fr',
    sampleScale: 1,
    limits: { offline: 50_000, unsynced: 500_000, approval: 20_000 },
  },
  GB: {
    currency: 'GBP',
    language: 'en',
    sampleScale: 1,
    limits: { offline: 50_000, unsynced: 500_000, approval: 20_000 },
  },
  ID: {
    currency: 'IDR',
    language: 'id',
    sampleScale: 10_000,
    limits: { offline: 500_000_000, unsynced: 5_000_000_000, approval: 200_000_000 },
  },
} as const;
export const LocalShopCountry = z.enum(['SN', 'CI', 'FR', 'GB', 'ID']);
export type LocalShopCountry = z.infer<typeof LocalShopCountry>;

/** As the back office's own rule for a new password (protocol/http/console.ts, NewPassword). */
export const LOCAL_SHOP_MIN_PASSWORD = 12;

export const LocalShopCreateInput = z.object({
  country: LocalShopCountry,
  shopName: z.string().trim().min(1).max(64),
  ownerEmail: z.email().max(254),
  /** Chosen on the screen; sent to the local server once and never kept by the app. */
  ownerPassword: z.string().min(LOCAL_SHOP_MIN_PASSWORD).max(1024),
});
export type LocalShopCreateInput = z.infer<typeof LocalShopCreateInput>;

export const LocalShopStatus = z.object({
  /** Whether this app can run a local shop at all (a build or a test without the server: false). */
  available: z.boolean(),
  state: z.enum(['none', 'starting', 'running', 'failed']),
  /** The local server, e.g. `http://127.0.0.1:51234`, once it runs. */
  url: z.string().nullable(),
  /** Its back office, to open in the system browser. */
  consoleUrl: z.string().nullable(),
  shopName: z.string().nullable(),
  country: z.string().nullable(),
  currency: z.string().nullable(),
  ownerEmail: z.string().nullable(),
  /** Why the local shop did not start or could not be created, in the server's or the OS's words. */
  error: z.string().nullable(),
  /**
   * The port the shop had, found held by another program at this start: the shop's server moved
   * to `url` and the till with it. Null when it started where it was.
   */
  busyPort: z.number().int().nullable(),
});
export type LocalShopStatus = z.infer<typeof LocalShopStatus>;

export const localShopApi = {
  commands: {
    /** Creates the local shop and enrolls this app as its till; answers once it can sell. */
    'localShop.create': { input: LocalShopCreateInput, output: LocalShopStatus },
  },
  subscriptions: {
    'localShop.status': { input: Empty, item: LocalShopStatus },
  },
} as const satisfies FeatureContract;
