import { z } from 'zod';
import type { FeatureContract } from './feature';

/** The Library's part of the API contract (issue #5): what a student sees and does on a laptop. */

const MaterialRef = z.strictObject({ materialId: z.uuid() });

export const DownloadState = z.enum([
  'none',
  'queued',
  'downloading',
  'paused',
  'verifying',
  'ready',
  'failed',
]);
export type DownloadState = z.infer<typeof DownloadState>;

/**
 * Where the licence stands on this device, by the secure clock. `offline_expired` reads again after a
 * check-in; `expired`, `revoked` and `returned` need a new licence.
 */
export const LibraryLicenceState = z.enum([
  'none',
  'valid',
  'renewing',
  'expired',
  'offline_expired',
  'revoked',
  'returned',
]);
export type LibraryLicenceState = z.infer<typeof LibraryLicenceState>;

export const LibraryItem = z.object({
  materialId: z.uuid(),
  title: z.string(),
  contentType: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  /** False when the server no longer lists it for this user (kept while a licence is on the device). */
  available: z.boolean(),
  download: z.object({
    state: DownloadState,
    chunksDone: z.number().int().nonnegative(),
    chunkCount: z.number().int().nonnegative(),
    bytesDone: z.number().int().nonnegative(),
    /** In words, with the failing chunk index where a chunk failed its check. */
    error: z.string().nullable(),
    errorCode: z.string().nullable(),
  }),
  licence: z.object({
    state: LibraryLicenceState,
    licenceId: z.uuid().nullable(),
    /** The licence's own expiry. */
    expiresAt: z.iso.datetime().nullable(),
    /** When the offline grace runs out unless the laptop checks in before. */
    offlineUntil: z.iso.datetime().nullable(),
    /** Why it cannot open (LICENSE_OFFLINE_EXPIRED, LICENSE_EXPIRED, LICENSE_REVOKED, …). */
    code: z.string().nullable(),
  }),
});
export type LibraryItem = z.infer<typeof LibraryItem>;

export const LibraryView = z.object({
  items: z.array(LibraryItem),
  /** Last successful contact with the server (its own time stamp), null if never. */
  lastSyncAt: z.iso.datetime().nullable(),
  /** Null once the list is fresh; in words otherwise (offline, not signed in, …). */
  lastError: z.string().nullable(),
});
export type LibraryView = z.infer<typeof LibraryView>;

/**
 * A place in a material, in the viewer's own terms: `page:<n>` in a PDF, an EPUB CFI. Opaque to the
 * core, which only keeps it (encrypted) per material.
 */
export const ReadingLocation = z.string().min(1).max(512);

export const Bookmark = z.strictObject({
  at: ReadingLocation,
  label: z.string().max(200),
  createdAt: z.iso.datetime(),
});
export type Bookmark = z.infer<typeof Bookmark>;

/** Where the student left off and their bookmarks, kept per material in the encrypted store (#22). */
export const ReadingState = z.object({
  position: ReadingLocation.nullable(),
  bookmarks: z.array(Bookmark).max(500),
});
export type ReadingState = z.infer<typeof ReadingState>;

/**
 * What the viewer needs to show an opened item: a URL on the app's own content route that streams
 * the decrypted bytes with Range support (app://outpost/content/… in Electron, the browser host's
 * /content/… route), valid for this session only.
 */
export const OpenedMaterial = z.object({
  materialId: z.uuid(),
  title: z.string(),
  contentType: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  url: z.string(),
  rights: z.object({ print: z.boolean(), copy: z.boolean() }),
  /** Where to reopen it, and its bookmarks. */
  reading: ReadingState,
});
export type OpenedMaterial = z.infer<typeof OpenedMaterial>;

export const libraryApi = {
  commands: {
    /** Fetches the list of materials this user may take and every licence's state from the server. */
    'library.refresh': { input: z.strictObject({}), output: LibraryView },
    /** Takes a licence (if none) and starts or resumes the download. */
    'library.download': { input: MaterialRef, output: LibraryItem },
    'library.pause': { input: MaterialRef, output: LibraryItem },
    /** Checks the licence (signature, device, expiry, offline grace by the secure clock) and opens it. */
    'library.open': { input: MaterialRef, output: OpenedMaterial },
    /** Ends an open item's content URL. */
    'library.close': { input: MaterialRef, output: z.object({ closed: z.boolean() }) },
    /** Early return: the server frees the device's slot; the local copy is deleted. */
    'library.return': { input: MaterialRef, output: LibraryItem },
    /** Deletes the local encrypted copy (the licence stays). */
    'library.remove': { input: MaterialRef, output: LibraryItem },
    /** Renews the licence now (the server must be reachable); the item shows `renewing` meanwhile. */
    'library.renew': { input: MaterialRef, output: LibraryItem },
    /** Keeps where the student is and their bookmarks (the whole list, replacing the stored one). */
    'library.reading.save': {
      input: z.strictObject({
        materialId: z.uuid(),
        position: ReadingLocation.nullable(),
        bookmarks: z.array(Bookmark).max(500),
      }),
      output: ReadingState,
    },
  },
  subscriptions: {
    /** Emits at once, then on every download progress step, licence change and clock tick of a minute. */
    'library.items': { input: z.strictObject({}), item: LibraryView },
  },
} as const satisfies FeatureContract;
