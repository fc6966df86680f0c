import { execFile } from 'node:child_process';
import { createHash, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { signCanonical } from '../../../protocol/crypto';
import { TenantId, TenantType } from '../../../protocol/http/common';
import type { EnrollmentRecord } from '../device/enrollment-store';
import { writeAtomically } from '../files/atomic-write';
import {
  CLOCK_SKEW_MS,
  describeZodError,
  expiresAfter,
  Instant,
  readCapped,
  SecureUrl,
  Signature,
  signedBody,
  verifiedByAny,
} from './common';
import { PINNED_ORG_KEYS } from './pinned-keys';
import { PolicyDefaults, withProvisionedPolicy } from './policy-defaults';

/** The app's bundle id / AppUserModelID, as electron-builder.yml declares it. */
export const BUNDLE_ID = 'org.outpost.app';
/** A provisioning file is a few hundred bytes; anything this large is not one. */
export const MAX_PROVISIONING_BYTES = 64 * 1024;
/** Where the last applied provisioning is kept, inside the app's data directory. */
export const APPLIED_FILE = 'provisioning.applied.json';

export const Feature = z.enum(['pos', 'library']);
export type Feature = z.infer<typeof Feature>;

export const ProvisioningFile = z
  .object({
    v: z.literal(1),
    org: z.string().min(1).max(128),
    issued_at: Instant,
    expires_at: Instant,
    server_url: SecureUrl,
    tenant: z.object({ type: TenantType, id: TenantId }).strict(),
    enrollment_code: z.string().trim().min(4).max(128).optional(),
    /** Offline limits enforced until the server's policy arrives (policy-defaults.ts). */
    policy_defaults: PolicyDefaults.optional(),
    features: z
      .array(Feature)
      .min(1)
      .max(2)
      .refine((list) => new Set(list).size === list.length, 'features must not repeat'),
    signature: Signature,
  })
  .strict()
  .refine(...expiresAfter<{ expires_at: string; issued_at: string }>('issued_at'));
export type ProvisioningFile = z.infer<typeof ProvisioningFile>;
/** What IT signs: the file without its signature. */
export type ProvisioningBody = Omit<ProvisioningFile, 'signature'>;

export type ProvisioningErrorCode =
  | 'UNREADABLE'
  | 'TOO_LARGE'
  | 'MALFORMED'
  | 'UNKNOWN_VERSION'
  | 'NO_PINNED_KEY'
  | 'BAD_SIGNATURE'
  | 'NOT_YET_VALID'
  | 'EXPIRED'
  | 'ROLLBACK';

/** Why a provisioning file was refused; the app keeps its previous configuration whenever one is thrown. */
export class ProvisioningError extends Error {
  override readonly name = 'ProvisioningError';
  constructor(
    readonly code: ProvisioningErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Where this OS's managed configuration puts the file, in the order they are tried. */
export type ProvisioningSource =
  | { kind: 'file'; path: string }
  /** Windows Group Policy: a REG_SZ value holding the signed JSON. */
  | { kind: 'registry'; key: string; value: string }
  /** macOS configuration profile: a string key of the managed preferences holding the signed JSON. */
  | { kind: 'plist'; path: string; key: string };

export function provisioningSources(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): ProvisioningSource[] {
  if (env.OUTPOST_PROVISIONING_FILE) return [{ kind: 'file', path: env.OUTPOST_PROVISIONING_FILE }];
  if (platform === 'win32') {
    const programData = env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData';
    return [
      { kind: 'file', path: `${programData}\\Outpost\\provisioning.json` },
      { kind: 'registry', key: 'HKLM\\Software\\Policies\\Outpost', value: 'Provisioning' },
    ];
  }
  if (platform === 'darwin') {
    return [
      { kind: 'plist', path: `/Library/Managed Preferences/${BUNDLE_ID}.plist`, key: 'Provisioning' },
      { kind: 'file', path: '/Library/Application Support/Outpost/provisioning.json' },
    ];
  }
  return [{ kind: 'file', path: '/etc/outpost/provisioning.json' }];
}

/** Runs a system tool (reg.exe, plutil); injectable so the parsing is testable off Windows and macOS. */
export type RunTool = (command: string, args: string[]) => Promise<string>;
const runTool: RunTool = async (command, args) =>
  (await promisify(execFile)(command, args, { maxBuffer: MAX_PROVISIONING_BYTES * 4 })).stdout;

/** The raw text of the first source that exists, or null when IT placed none. */
export async function readProvisioningSource(
  sources: ProvisioningSource[],
  run: RunTool = runTool,
): Promise<{ source: ProvisioningSource; text: string } | null> {
  for (const source of sources) {
    const text = await readOne(source, run);
    if (text !== null) return { source, text };
  }
  return null;
}

async function readOne(source: ProvisioningSource, run: RunTool): Promise<string | null> {
  if (source.kind === 'file') {
    try {
      return (await readCapped(source.path, MAX_PROVISIONING_BYTES)).toString('utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      if (error instanceof RangeError) {
        throw new ProvisioningError('TOO_LARGE', `${source.path} is ${error.message}`);
      }
      throw new ProvisioningError('UNREADABLE', `${source.path} cannot be read: ${(error as Error).message}`);
    }
  }
  if (source.kind === 'registry') {
    let out: string;
    try {
      out = await run('reg', ['query', source.key, '/v', source.value]);
    } catch {
      return null; // reg.exe exits 1 when the key or value does not exist
    }
    // "    Provisioning    REG_SZ    {...}"
    const match = new RegExp(`^\\s*${source.value}\\s+REG_(?:EXPAND_)?SZ\\s+(.*)$`, 'm').exec(out);
    return match?.[1]?.trim() ?? null;
  }
  try {
    await readFile(source.path); // absent profile: no plutil round trip
  } catch {
    return null;
  }
  const json = await run('plutil', ['-convert', 'json', '-o', '-', source.path]).catch((error: unknown) => {
    throw new ProvisioningError('UNREADABLE', `${source.path} cannot be read: ${(error as Error).message}`);
  });
  let prefs: unknown;
  try {
    prefs = JSON.parse(json);
  } catch {
    throw new ProvisioningError('UNREADABLE', `${source.path} is not a property list plutil understands`);
  }
  const value = (prefs as Record<string, unknown> | null)?.[source.key];
  if (typeof value !== 'string') {
    throw new ProvisioningError('MALFORMED', `${source.path} has no string key "${source.key}"`);
  }
  return value;
}

export interface VerifyOptions {
  /** Pinned organisation keys; the build's own unless a test injects its own. */
  orgKeys?: readonly string[];
  now?: Date;
  /** The last applied file: an older one (issued_at) is a rollback and refused. */
  lastApplied?: ProvisioningFile | null;
}

/**
 * Verifies a provisioning file's text: JSON, known version, schema, signature by a pinned
 * organisation key, validity window and no rollback. Throws a ProvisioningError saying why not.
 */
export function verifyProvisioning(text: string, options: VerifyOptions = {}): ProvisioningFile {
  if (Buffer.byteLength(text, 'utf8') > MAX_PROVISIONING_BYTES) {
    throw new ProvisioningError('TOO_LARGE', `larger than ${MAX_PROVISIONING_BYTES} bytes`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ProvisioningError('MALFORMED', `not JSON: ${(error as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ProvisioningError('MALFORMED', 'not a JSON object');
  }
  const record = raw as Record<string, unknown>;
  if (record.v !== 1) {
    throw new ProvisioningError('UNKNOWN_VERSION', `format version ${JSON.stringify(record.v)} is not 1`);
  }
  const parsed = ProvisioningFile.safeParse(raw);
  if (!parsed.success) throw new ProvisioningError('MALFORMED', describeZodError(parsed.error));
  const file = parsed.data;

  const keys = options.orgKeys ?? PINNED_ORG_KEYS;
  if (keys.length === 0) {
    throw new ProvisioningError(
      'NO_PINNED_KEY',
      'this build pins no organisation key: it trusts no provisioning file',
    );
  }
  if (!verifiedByAny(keys, signedBody(record), file.signature)) {
    throw new ProvisioningError(
      'BAD_SIGNATURE',
      'the signature does not verify with the pinned organisation key (altered or signed by another key)',
    );
  }

  const now = (options.now ?? new Date()).getTime();
  if (Date.parse(file.issued_at) > now + CLOCK_SKEW_MS) {
    throw new ProvisioningError('NOT_YET_VALID', `issued_at ${file.issued_at} is in the future`);
  }
  if (Date.parse(file.expires_at) <= now) {
    throw new ProvisioningError('EXPIRED', `expired at ${file.expires_at}`);
  }

  const last = options.lastApplied;
  if (last) {
    const issued = Date.parse(file.issued_at);
    const lastIssued = Date.parse(last.issued_at);
    if (issued < lastIssued) {
      throw new ProvisioningError(
        'ROLLBACK',
        `issued_at ${file.issued_at} is older than the applied file's ${last.issued_at}`,
      );
    }
    if (issued === lastIssued && file.signature !== last.signature) {
      throw new ProvisioningError(
        'ROLLBACK',
        `a different file with the same issued_at (${file.issued_at}) as the applied one`,
      );
    }
  }
  return file;
}

/** The record kept in the data directory: the applied file as signed, so it can be re-verified. */
const AppliedRecord = z.object({
  file: z.record(z.string(), z.unknown()),
  sha256: z.string(),
  applied_at: Instant,
});

export interface AppliedProvisioning {
  file: ProvisioningFile;
  appliedAt: string;
}

/**
 * The last good provisioning, re-verified against the pinned keys (a hand-edited copy counts for
 * nothing). Its expiry is not re-checked: expiry limits when a file may be applied, not how long its
 * configuration lasts.
 */
export async function loadApplied(
  dataDir: string,
  orgKeys: readonly string[] = PINNED_ORG_KEYS,
  storage: AppliedStorage = appliedFile(dataDir),
): Promise<AppliedProvisioning | null> {
  const text = await storage.read().catch(() => null);
  if (text === null) return null;
  try {
    const record = AppliedRecord.parse(JSON.parse(text));
    const parsed = ProvisioningFile.parse(record.file);
    if (!verifiedByAny(orgKeys, signedBody(record.file), parsed.signature)) return null;
    return { file: parsed, appliedAt: record.applied_at };
  } catch {
    return null;
  }
}

async function saveApplied(storage: AppliedStorage, text: string, now: Date): Promise<AppliedProvisioning> {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const record = {
    file: raw,
    sha256: createHash('sha256').update(text).digest('hex'),
    applied_at: now.toISOString(),
  };
  await storage.write(JSON.stringify(record, null, 2));
  return { file: ProvisioningFile.parse(raw), appliedAt: record.applied_at };
}

/**
 * Where the applied record is kept. The app keeps it in the encrypted store
 * (applied-provisioning-store.ts, issue #16): deleting a plain copy forgot which file was applied
 * last, so an older signed file was accepted again. The plain file is the default for tools and
 * unit tests that run without the store.
 */
export interface AppliedStorage {
  read(): Promise<string | null>;
  write(text: string): Promise<void>;
}

export function appliedFile(dataDir: string): AppliedStorage {
  const path = join(dataDir, APPLIED_FILE);
  return {
    read: async () => {
      try {
        return await readFile(path, 'utf8');
      } catch {
        return null;
      }
    },
    write: (text) => writeAtomically(path, text),
  };
}

/** The parts of the core provisioning touches: structurally typed so tests can pass small fakes. */
export interface ProvisioningServices {
  settings: {
    readonly current: { serverUrl: string };
    update(patch: { serverUrl: string }): Promise<unknown>;
  };
  device: {
    readonly enrollment: { state: string };
    redeemCode(serverUrl: string, code: string): Promise<unknown>;
  };
}

export type EnrollmentResult =
  | { status: 'none' } // the file carries no code
  | { status: 'already_enrolled' }
  | { status: 'enrolled' }
  | { status: 'failed'; message: string }; // e.g. offline: call `enroll()` again later

export type ProvisioningOutcome =
  /** No file placed; `current` is the last applied one, still in force, if any. */
  | { status: 'absent'; current: AppliedProvisioning | null }
  | {
      status: 'applied';
      source: ProvisioningSource;
      /** False when the same file was already applied at an earlier start. */
      changed: boolean;
      current: AppliedProvisioning;
      enrollment: EnrollmentResult;
      /** Runs the enrollment again (after a failure, once the network returns). */
      enroll(): Promise<EnrollmentResult>;
    }
  /** The file was refused; nothing changed and `current` (if any) stays in force. */
  | {
      status: 'refused';
      source: ProvisioningSource | null;
      error: ProvisioningError;
      current: AppliedProvisioning | null;
    };

export interface ApplyOptions {
  dataDir: string;
  /** Where the last applied file is kept; the app passes the encrypted store (default: a plain file). */
  applied?: AppliedStorage;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  orgKeys?: readonly string[];
  now?: Date;
  run?: RunTool;
}

/**
 * Reads, verifies and applies IT's provisioning file at start: a valid file sets the server URL,
 * records the features and redeems the enrollment code; a refused file changes nothing and the
 * previous configuration (settings and the last applied file) stays as it was.
 */
export async function applyProvisioning(
  services: ProvisioningServices,
  options: ApplyOptions,
): Promise<ProvisioningOutcome> {
  const orgKeys = options.orgKeys ?? PINNED_ORG_KEYS;
  const now = options.now ?? new Date();
  const storage = options.applied ?? appliedFile(options.dataDir);
  const previous = await loadApplied(options.dataDir, orgKeys, storage);

  let found: Awaited<ReturnType<typeof readProvisioningSource>>;
  try {
    found = await readProvisioningSource(
      provisioningSources(options.env, options.platform),
      options.run ?? runTool,
    );
  } catch (error) {
    if (!(error instanceof ProvisioningError)) throw error;
    return { status: 'refused', source: null, error, current: previous };
  }
  if (!found) return { status: 'absent', current: previous };

  let file: ProvisioningFile;
  try {
    file = verifyProvisioning(found.text, { orgKeys, now, lastApplied: previous?.file ?? null });
  } catch (error) {
    if (!(error instanceof ProvisioningError)) throw error;
    return { status: 'refused', source: found.source, error, current: previous };
  }

  const changed = previous?.file.signature !== file.signature;
  const current = changed ? await saveApplied(storage, found.text, now) : previous!;
  if (services.settings.current.serverUrl !== file.server_url) {
    await services.settings.update({ serverUrl: file.server_url });
  }
  const enroll = async (): Promise<EnrollmentResult> => {
    if (!file.enrollment_code) return { status: 'none' };
    if (services.device.enrollment.state === 'enrolled') return { status: 'already_enrolled' };
    try {
      await services.device.redeemCode(file.server_url, file.enrollment_code);
      return { status: 'enrolled' };
    } catch (error) {
      return { status: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
  };
  return { status: 'applied', source: found.source, changed, current, enrollment: await enroll(), enroll };
}

/** What the device status shows of the outcome: IT needs to see why a file was refused. */
export function provisioningView(outcome: ProvisioningOutcome): {
  state: ProvisioningOutcome['status'];
  message: string | null;
  /** The features of the configuration in force: a refused file leaves the previous one's. */
  features: Feature[];
} {
  const features = outcome.current?.file.features ?? ['pos', 'library'];
  switch (outcome.status) {
    case 'absent':
      return { state: 'absent', message: null, features };
    case 'refused':
      return { state: 'refused', message: `${outcome.error.code}: ${outcome.error.message}`, features };
    case 'applied':
      return {
        state: 'applied',
        message:
          outcome.enrollment.status === 'failed' ? `Enrollment pending: ${outcome.enrollment.message}` : null,
        features,
      };
  }
}

/**
 * The enrollment record as the POS enforces it: the policy defaults of the configuration in force
 * (a refused file leaves the previous one's) fill in until the server's policy arrives.
 */
export function enforcedEnrollment(
  outcome: ProvisioningOutcome,
): (record: EnrollmentRecord) => EnrollmentRecord {
  const file = outcome.current?.file;
  if (!file?.policy_defaults) return (record) => record;
  const defaults = file.policy_defaults;
  return (record) => withProvisionedPolicy(record, defaults, file.issued_at);
}

/** Signs a provisioning body with the organisation's private key (the provisioning:sign script, tests). */
export function signProvisioning(body: ProvisioningBody, privateKey: KeyObject): ProvisioningFile {
  const { signature: _ignored, ...rest } = body as ProvisioningBody & { signature?: unknown };
  // Optional fields left undefined have no JSON form: drop them rather than refuse.
  const clean = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  return ProvisioningFile.parse({ ...clean, signature: signCanonical(privateKey, clean) });
}
