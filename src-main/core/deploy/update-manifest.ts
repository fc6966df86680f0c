import { createHash, timingSafeEqual, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { importPublicKey, signCanonical, verifyCanonical } from '../../../protocol/crypto';
import {
  CLOCK_SKEW_MS,
  describeZodError,
  expiresAfter,
  Instant,
  SecureUrl,
  Signature,
  signedBody,
} from './common';
import { PINNED_RELEASE_KEYS } from './pinned-keys';
import { compareSemver, isSemver } from './semver';

/**
 * Signed release manifests, verified against what The Update Framework defends against:
 * forged manifests (pinned release keys, by key id, two during a rotation), rollback (never a version
 * below the installed one or below the highest one ever seen, kept in the encrypted store), freeze (expiry, and
 * released_at never older than the last manifest seen), mix-and-match (the file must be listed for
 * our own platform-arch), endless data (downloads capped at the signed size) and swapped files
 * (sha512 and size checked before the file is handed to the installer).
 */

export const MAX_MANIFEST_BYTES = 256 * 1024;
/** No installer of ours comes near this; a manifest claiming more is refused before downloading. */
export const MAX_UPDATE_BYTES = 2 * 1024 ** 3;

const SemverString = z.string().refine(isSemver, 'a semantic version (x.y.z[-pre])');
export const KeyId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, '1-64 of A-Z a-z 0-9 . _ -');
export const Channel = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a lower-case channel name');
/** `${process.platform}-${process.arch}`, the key a file is listed under. */
export const PlatformArch = z
  .string()
  .regex(/^(win32|darwin|linux)-(x64|arm64|ia32|armv7l)$/, 'platform-arch, e.g. win32-x64');
/** 64 bytes of SHA-512 in standard base64 (what electron-builder's latest.yml carries too). */
export const Sha512 = z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'a SHA-512 digest in base64');

export const UpdateFile = z
  .object({
    url: SecureUrl,
    sha512: Sha512,
    size: z.number().int().positive().max(MAX_UPDATE_BYTES),
  })
  .strict();
export type UpdateFile = z.infer<typeof UpdateFile>;

export const UpdateManifest = z
  .object({
    v: z.literal(1),
    key_id: KeyId,
    version: SemverString,
    channel: Channel,
    released_at: Instant,
    expires_at: Instant,
    rollout: z.object({ percentage: z.number().min(0).max(100), paused: z.boolean() }).strict(),
    files: z.record(PlatformArch, UpdateFile).refine((files) => Object.keys(files).length > 0, 'no files'),
    /** Installs below this version must take this update: the rollout percentage does not hold them back. */
    min_version: SemverString.optional(),
    signature: Signature,
  })
  .strict()
  .refine(...expiresAfter<{ expires_at: string; released_at: string }>('released_at'));
export type UpdateManifest = z.infer<typeof UpdateManifest>;
export type UpdateManifestBody = Omit<UpdateManifest, 'signature'>;

export type UpdateErrorCode =
  | 'MALFORMED'
  | 'TOO_LARGE'
  | 'UNKNOWN_VERSION'
  | 'NO_PINNED_KEY'
  | 'UNKNOWN_KEY'
  | 'BAD_SIGNATURE'
  | 'NOT_YET_VALID'
  | 'EXPIRED'
  | 'FREEZE'
  | 'ROLLBACK'
  | 'WRONG_CHANNEL'
  | 'NO_FILE_FOR_PLATFORM'
  | 'INSECURE_URL'
  | 'DOWNLOAD_FAILED'
  | 'SIZE_MISMATCH'
  | 'HASH_MISMATCH'
  /** The encrypted store holding the anti-rollback state is not open: no manifest is trusted. */
  | 'STATE_UNAVAILABLE';

export class UpdateError extends Error {
  override readonly name = 'UpdateError';
  constructor(
    readonly code: UpdateErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface PinnedReleaseKey {
  id: string;
  /** SPKI PEM or raw base64url Ed25519. */
  publicKey: string;
}

/** What the device remembers between checks, so an old manifest cannot be replayed. */
export const UpdateState = z.object({
  highest_version: SemverString.nullable(),
  last_released_at: Instant.nullable(),
  last_signature: z.string().nullable(),
});
export type UpdateState = z.infer<typeof UpdateState>;
export const INITIAL_STATE: UpdateState = {
  highest_version: null,
  last_released_at: null,
  last_signature: null,
};

export interface ManifestContext {
  keys?: readonly PinnedReleaseKey[];
  installedVersion: string;
  channel: string;
  /** e.g. `${process.platform}-${process.arch}` */
  platformArch: string;
  deviceId: string;
  state: UpdateState;
  now?: Date;
}

export type UpdateDecision =
  | { offer: true; manifest: UpdateManifest; file: UpdateFile; mandatory: boolean; state: UpdateState }
  | {
      offer: false;
      reason: 'up_to_date' | 'paused' | 'not_in_rollout';
      manifest: UpdateManifest;
      state: UpdateState;
    };

/**
 * Verifies a manifest and decides whether this device takes it. Throws UpdateError for anything
 * that is not a genuine, current manifest for us; `state` in the answer is what to persist.
 */
export function checkManifest(text: string, ctx: ManifestContext): UpdateDecision {
  if (Buffer.byteLength(text, 'utf8') > MAX_MANIFEST_BYTES) {
    throw new UpdateError('TOO_LARGE', `manifest larger than ${MAX_MANIFEST_BYTES} bytes`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UpdateError('MALFORMED', `not JSON: ${(error as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new UpdateError('MALFORMED', 'not a JSON object');
  const record = raw as Record<string, unknown>;
  if (record.v !== 1)
    throw new UpdateError('UNKNOWN_VERSION', `format version ${JSON.stringify(record.v)} is not 1`);
  const parsed = UpdateManifest.safeParse(raw);
  if (!parsed.success) throw new UpdateError('MALFORMED', describeZodError(parsed.error));
  const manifest = parsed.data;

  // Forged manifests: the named key must be one we pin, and it must verify.
  const keys = ctx.keys ?? PINNED_RELEASE_KEYS;
  if (keys.length === 0)
    throw new UpdateError('NO_PINNED_KEY', 'this build pins no release key: it trusts no update');
  const pinned = keys.find((k) => k.id === manifest.key_id);
  if (!pinned)
    throw new UpdateError('UNKNOWN_KEY', `key id "${manifest.key_id}" is not pinned in this build`);
  let key: KeyObject;
  try {
    key = importPublicKey(pinned.publicKey);
  } catch {
    throw new UpdateError('NO_PINNED_KEY', `pinned key "${pinned.id}" is not an Ed25519 public key`);
  }
  if (!verifyCanonical(key, signedBody(record), manifest.signature)) {
    throw new UpdateError('BAD_SIGNATURE', `the signature does not verify with pinned key "${pinned.id}"`);
  }

  // Freeze: an expired manifest, or one older than the last we saw, is someone replaying the past.
  const now = (ctx.now ?? new Date()).getTime();
  const releasedAt = Date.parse(manifest.released_at);
  if (Date.parse(manifest.expires_at) <= now)
    throw new UpdateError('EXPIRED', `expired at ${manifest.expires_at}`);
  if (releasedAt > now + CLOCK_SKEW_MS) {
    throw new UpdateError('NOT_YET_VALID', `released_at ${manifest.released_at} is in the future`);
  }
  const { state } = ctx;
  if (state.last_released_at) {
    const last = Date.parse(state.last_released_at);
    if (releasedAt < last) {
      throw new UpdateError(
        'FREEZE',
        `released_at ${manifest.released_at} is older than the last seen ${state.last_released_at}`,
      );
    }
    if (releasedAt === last && state.last_signature !== null && state.last_signature !== manifest.signature) {
      throw new UpdateError('FREEZE', `a different manifest with the same released_at as the last seen one`);
    }
  }

  // Mix-and-match: a manifest of another channel, or without a file for us, is not ours.
  if (manifest.channel !== ctx.channel) {
    throw new UpdateError(
      'WRONG_CHANNEL',
      `manifest is for channel "${manifest.channel}", this install follows "${ctx.channel}"`,
    );
  }
  const file = Object.hasOwn(manifest.files, ctx.platformArch) ? manifest.files[ctx.platformArch] : undefined;
  if (!file) throw new UpdateError('NO_FILE_FOR_PLATFORM', `no file for ${ctx.platformArch}`);

  // Rollback: never below what is installed, nor below the highest version ever seen. The same
  // version as the highest seen is allowed: a release is re-signed as its rollout widens, and
  // released_at above stops an older signing of it from being replayed.
  if (compareSemver(manifest.version, ctx.installedVersion) < 0) {
    throw new UpdateError(
      'ROLLBACK',
      `version ${manifest.version} is below the installed ${ctx.installedVersion}`,
    );
  }
  if (state.highest_version && compareSemver(manifest.version, state.highest_version) < 0) {
    throw new UpdateError(
      'ROLLBACK',
      `version ${manifest.version} is below ${state.highest_version}, already seen`,
    );
  }

  const nextState: UpdateState = {
    highest_version:
      state.highest_version && compareSemver(state.highest_version, manifest.version) > 0
        ? state.highest_version
        : manifest.version,
    last_released_at: manifest.released_at,
    last_signature: manifest.signature,
  };
  if (compareSemver(manifest.version, ctx.installedVersion) === 0) {
    return { offer: false, reason: 'up_to_date', manifest, state: nextState };
  }
  if (manifest.rollout.paused) return { offer: false, reason: 'paused', manifest, state: nextState };
  const mandatory =
    manifest.min_version !== undefined && compareSemver(ctx.installedVersion, manifest.min_version) < 0;
  if (!mandatory && !inRollout(ctx.deviceId, manifest.version, manifest.rollout.percentage)) {
    return { offer: false, reason: 'not_in_rollout', manifest, state: nextState };
  }
  return { offer: true, manifest, file, mandatory, state: nextState };
}

/**
 * The device's stable place in a release's rollout, 0..9999: the first 32 bits of
 * SHA-256(device id, version), so a device keeps its place as the percentage widens, and a
 * different version reshuffles who goes first.
 */
export function rolloutBucket(deviceId: string, version: string): number {
  const digest = createHash('sha256').update(`outpost-rollout\0${deviceId}\0${version}`).digest();
  return digest.readUInt32BE(0) % 10_000;
}

/** percentage has 0.01 resolution: 0 offers nobody, 100 everybody. */
export function inRollout(deviceId: string, version: string, percentage: number): boolean {
  return rolloutBucket(deviceId, version) < Math.round(percentage * 100);
}

/** Signs a manifest body with a release key (scripts/release-sign.ts, tests). */
export function signManifest(body: UpdateManifestBody, privateKey: KeyObject): UpdateManifest {
  const { signature: _ignored, ...rest } = body as UpdateManifestBody & { signature?: unknown };
  const clean = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  return UpdateManifest.parse({ ...clean, signature: signCanonical(privateKey, clean) });
}

function hashesEqual(actual: Buffer, expectedBase64: string): boolean {
  const expected = Buffer.from(expectedBase64, 'base64');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Checks a file already on disk against the signed size and sha512. */
export async function verifyFile(path: string, expected: Pick<UpdateFile, 'sha512' | 'size'>): Promise<void> {
  const hash = createHash('sha512');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > expected.size) break;
    hash.update(chunk);
  }
  if (size !== expected.size) {
    throw new UpdateError(
      'SIZE_MISMATCH',
      `${basename(path)} is ${size > expected.size ? 'larger' : 'smaller'} than the signed ${expected.size} bytes`,
    );
  }
  if (!hashesEqual(hash.digest(), expected.sha512)) {
    throw new UpdateError('HASH_MISMATCH', `${basename(path)} does not match the signed sha512`);
  }
}

export type Fetch = typeof fetch;

function assertSecure(url: string): void {
  if (!SecureUrl.safeParse(url).success) throw new UpdateError('INSECURE_URL', `refusing to fetch ${url}`);
}

/**
 * Downloads a listed file to `dir`, never keeping more than the signed size (endless data), and
 * hands back its path only once size and sha512 match (swapped file). A failure leaves nothing.
 */
export async function downloadVerified(
  file: UpdateFile,
  dir: string,
  options: { fetch?: Fetch; signal?: AbortSignal } = {},
): Promise<string> {
  assertSecure(file.url);
  const name = basename(new URL(file.url).pathname).replace(/[^A-Za-z0-9._-]/g, '_') || 'update.bin';
  await mkdir(dir, { recursive: true });
  const target = join(dir, name);
  const partial = `${target}.partial`;
  const controller = new AbortController();
  options.signal?.addEventListener('abort', () => controller.abort(options.signal?.reason));

  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(file.url, { signal: controller.signal, redirect: 'follow' });
  } catch (error) {
    throw new UpdateError('DOWNLOAD_FAILED', `${file.url}: ${(error as Error).message}`);
  }
  if (response.url) assertSecure(response.url); // redirects must stay on https too
  if (!response.ok || !response.body) {
    throw new UpdateError('DOWNLOAD_FAILED', `${file.url}: HTTP ${response.status}`);
  }
  const announced = Number(response.headers.get('content-length'));
  if (Number.isFinite(announced) && announced > file.size) {
    controller.abort();
    throw new UpdateError(
      'SIZE_MISMATCH',
      `server announces ${announced} bytes, the manifest signed ${file.size}`,
    );
  }

  const hash = createHash('sha512');
  const out = await open(partial, 'w', 0o600);
  let size = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > file.size) {
        controller.abort();
        throw new UpdateError('SIZE_MISMATCH', `more than the signed ${file.size} bytes: download stopped`);
      }
      hash.update(chunk);
      await out.write(chunk);
    }
    if (size !== file.size) {
      throw new UpdateError('SIZE_MISMATCH', `received ${size} bytes, the manifest signed ${file.size}`);
    }
    if (!hashesEqual(hash.digest(), file.sha512)) {
      throw new UpdateError('HASH_MISMATCH', `${name} does not match the signed sha512`);
    }
    await out.sync();
  } catch (error) {
    await out.close();
    await rm(partial, { force: true });
    if (error instanceof UpdateError) throw error;
    throw new UpdateError('DOWNLOAD_FAILED', `${file.url}: ${(error as Error).message}`);
  }
  await out.close();
  await rename(partial, target);
  return target;
}

export interface UpdateServiceOptions {
  /** The channel's manifest, e.g. https://updates.example.com/outpost/stable.json */
  manifestUrl: string;
  /** Where downloads land (`updates/<version>/`). */
  dataDir: string;
  /** The anti-rollback state, in the encrypted store (update-state-store.ts's UpdateStateStore). */
  state: { load(): Promise<UpdateState>; save(state: UpdateState): Promise<void> };
  installedVersion: string;
  channel: string;
  platformArch: string;
  deviceId: string;
  keys?: readonly PinnedReleaseKey[];
  fetch?: Fetch;
  now?: () => Date;
}

export type UpdateCheckResult =
  | { status: 'ready'; path: string; manifest: UpdateManifest; file: UpdateFile; mandatory: boolean }
  | { status: 'none'; reason: 'up_to_date' | 'paused' | 'not_in_rollout'; manifest: UpdateManifest }
  | { status: 'refused'; error: UpdateError };

/**
 * One update check: fetch the channel's manifest, verify it, remember it (rollback and freeze
 * state), and download the file if this device is offered it. The shell hands `path` to the
 * installer (src-main/shell/updater.ts).
 */
export class UpdateService {
  private running: Promise<UpdateCheckResult> | null = null;

  constructor(private readonly options: UpdateServiceOptions) {}

  check(): Promise<UpdateCheckResult> {
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<UpdateCheckResult> {
    const o = this.options;
    try {
      assertSecure(o.manifestUrl);
      const state = await o.state.load();
      const text = await fetchCapped(o.manifestUrl, MAX_MANIFEST_BYTES, o.fetch ?? fetch);
      const decision = checkManifest(text, {
        keys: o.keys,
        installedVersion: o.installedVersion,
        channel: o.channel,
        platformArch: o.platformArch,
        deviceId: o.deviceId,
        state,
        now: o.now?.() ?? new Date(),
      });
      await o.state.save(decision.state);
      if (!decision.offer) return { status: 'none', reason: decision.reason, manifest: decision.manifest };
      const dir = join(o.dataDir, 'updates', decision.manifest.version);
      const path = await downloadVerified(decision.file, dir, { fetch: o.fetch });
      return {
        status: 'ready',
        path,
        manifest: decision.manifest,
        file: decision.file,
        mandatory: decision.mandatory,
      };
    } catch (error) {
      if (error instanceof UpdateError) return { status: 'refused', error };
      throw error;
    }
  }
}

async function fetchCapped(url: string, maxBytes: number, fetchImpl: Fetch): Promise<string> {
  const controller = new AbortController();
  let response: Response;
  try {
    response = await fetchImpl(url, { signal: controller.signal, headers: { accept: 'application/json' } });
  } catch (error) {
    throw new UpdateError('DOWNLOAD_FAILED', `${url}: ${(error as Error).message}`);
  }
  if (response.url) assertSecure(response.url);
  if (!response.ok || !response.body)
    throw new UpdateError('DOWNLOAD_FAILED', `${url}: HTTP ${response.status}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) {
      controller.abort();
      throw new UpdateError('TOO_LARGE', `manifest larger than ${maxBytes} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}
