import { z } from 'zod';

/**
 * What the app and its local shop's server process say over their IPC channel (issue #19): the app
 * (src-main/core/local-shop) starts `server/local-shop.ts` with a channel only it holds, hands it the
 * master secret it keeps in the OS keychain (never a file, never the environment), and learns the
 * address it listens on and, on a first run, the one-time setup link.
 */
export const LocalShopStart = z.object({
  type: z.literal('start'),
  /** 32 bytes, base64: the server's master secret (server/keys/master-secret.ts). */
  masterSecret: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
});
export type LocalShopStart = z.infer<typeof LocalShopStart>;

export const LocalShopReport = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('ready'),
    url: z.string(),
    /** While no user exists: the first run's one-time setup link (`…/admin/#setup=<token>`). */
    setupUrl: z.string().nullable(),
  }),
  z.object({ type: z.literal('failed'), message: z.string() }),
]);
export type LocalShopReport = z.infer<typeof LocalShopReport>;
