import { availableParallelism, homedir } from 'node:os';
import { join, posix, resolve, win32 } from 'node:path';
import { z } from 'zod';
import { MATERIALS_STORES, type MaterialsStore } from './materials/blobs/types';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Config {
  port: number;
  host: string;
  /** Absent: the server starts its own embedded PGlite under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  logLevel: LogLevel;
  /** 32 bytes from OUTPOST_MASTER_SECRET; absent: a file under dataDir (see keys/master-secret.ts). */
  masterSecret?: Buffer;
  /** Worker threads opening pushed bundles (payments/open-pool.ts); 0: on the event loop. */
  pushOpenThreads: number;
  /**
   * Express's `trust proxy`: which proxies' X-Forwarded-For to believe (a hop count, or addresses,
   * subnets and `loopback`). Absent: none, and every client behind a proxy has the proxy's address,
   * which the per-address throttles would then count as one client.
   */
  trustProxy?: number | string;
  /** METRICS_TOKEN: what a scraper sends as `Authorization: Bearer` to /metrics and /health/full. */
  metricsToken?: string;
  /** The PostgreSQL pool of this process (db/pool.ts); the embedded database keeps its own size. */
  pool: DatabasePoolConfig;
  /**
   * OUTPOST_MATERIALS_STORE: where uploads and encrypted materials live (materials/blobs/). Default
   * `database` on DATABASE_URL, which every replica shares; `directory` (`<dataDir>/materials`) on
   * the embedded database, which one process owns anyway (docs/scaling.md "Materials storage").
   */
  materialsStore: MaterialsStore;
}

/** OUTPOST_DB_POOL_MAX, OUTPOST_DB_CONNECT_TIMEOUT_MS, OUTPOST_DB_IDLE_TIMEOUT_MS (issue #23). */
export interface DatabasePoolConfig {
  /** Connections this process opens at most (10). */
  max: number;
  /** How long a query waits for a connection before failing, ms (5,000): a dead database answers 503. */
  connectionTimeoutMs: number;
  /** An idle connection is closed after this, ms (30,000). */
  idleTimeoutMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

// Shells and .env files often leave a variable defined but empty; treat that as unset
// so the default applies instead of failing on e.g. PORT="".
const unsetIfEmpty = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const PushOpenThreads = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .regex(/^\d+$/, 'must be an integer from 0 to 64')
    .transform(Number)
    .pipe(z.number().int().max(64, 'must be an integer from 0 to 64'))
    .optional(),
);

/**
 * OUTPOST_PUSH_OPEN_THREADS, else one fewer than the cores (at least 1): the event loop keeps one.
 * Read on its own by the open pool, and with the rest of the environment at start-up, so a bad
 * value stops the server before it answers any push.
 */
export function pushOpenThreads(env: Env = process.env): number {
  const parsed = PushOpenThreads.safeParse(env.OUTPOST_PUSH_OPEN_THREADS);
  if (!parsed.success) {
    throw new ConfigError(`OUTPOST_PUSH_OPEN_THREADS: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  return parsed.data ?? Math.max(1, availableParallelism() - 1);
}

/** A whole number from `min` to `max`, or the default when unset or empty. */
const bounded = (min: number, max: number, fallback: number) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^\d+$/, `must be an integer from ${min} to ${max}`)
      .transform(Number)
      .pipe(z.number().int().min(min, `must be >= ${min}`).max(max, `must be <= ${max}`))
      .default(fallback),
  );

const envSchema = z.object({
  PORT: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^\d+$/, 'must be an integer between 0 and 65535')
      .transform(Number)
      .pipe(z.number().int().min(0, 'must be >= 0').max(65535, 'must be <= 65535'))
      .default(8098),
  ),
  HOST: z.preprocess(unsetIfEmpty, z.string().default('127.0.0.1')),
  DATABASE_URL: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// connection URL')
      .optional(),
  ),
  OUTPOST_DATA_DIR: z.preprocess(unsetIfEmpty, z.string().optional()),
  OUTPOST_MASTER_SECRET: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .refine((v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v.trim()) && Buffer.from(v, 'base64').length === 32, {
        message: 'must be 32 bytes in base64 (e.g. `openssl rand -base64 32`)',
      })
      .optional(),
  ),
  OUTPOST_PUSH_OPEN_THREADS: PushOpenThreads,
  TRUST_PROXY: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(
        /^(\d{1,2}|[A-Za-z0-9.:/]+(\s*,\s*[A-Za-z0-9.:/]+)*)$/,
        'a hop count (1) or addresses and subnets, comma-separated (loopback, 10.0.0.0/8)',
      )
      .optional(),
  ),
  METRICS_TOKEN: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[A-Za-z0-9._~+/=-]{32,}$/, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)')
      .optional(),
  ),
  OUTPOST_DB_POOL_MAX: bounded(1, 1000, 10),
  OUTPOST_DB_CONNECT_TIMEOUT_MS: bounded(100, 600_000, 5_000),
  OUTPOST_DB_IDLE_TIMEOUT_MS: bounded(1_000, 3_600_000, 30_000),
  OUTPOST_MATERIALS_STORE: z.preprocess(
    unsetIfEmpty,
    z.enum(MATERIALS_STORES, { error: `must be one of ${MATERIALS_STORES.join(', ')}` }).optional(),
  ),
  LOG_LEVEL: z.preprocess(
    unsetIfEmpty,
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
});

type Env = Readonly<Record<string, string | undefined>>;

// Never echo these back in an error: a connection URL usually carries a password.
const SECRET_VARS = new Set(['DATABASE_URL', 'OUTPOST_MASTER_SECRET', 'METRICS_TOKEN']);

/** Where an OS keeps per-user application data, following each platform's convention. */
export function defaultDataDir(env: Env, platform: NodeJS.Platform = process.platform, home = homedir()) {
  if (platform === 'win32')
    return win32.join(env.APPDATA ?? win32.join(home, 'AppData', 'Roaming'), 'Outpost');
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', 'Outpost');
  // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg = env.XDG_DATA_HOME;
  return posix.join(xdg && posix.isAbsolute(xdg) ? xdg : posix.join(home, '.local', 'share'), 'outpost');
}

export function loadConfig(env: Env = process.env, platform: NodeJS.Platform = process.platform): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const raw = env[name];
      const shown = raw === undefined || SECRET_VARS.has(name) ? '' : ` (got ${JSON.stringify(raw)})`;
      return `  ${name}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    ...(e.DATABASE_URL === undefined ? {} : { databaseUrl: e.DATABASE_URL }),
    dataDir: e.OUTPOST_DATA_DIR === undefined ? defaultDataDir(env, platform) : resolve(e.OUTPOST_DATA_DIR),
    logLevel: e.LOG_LEVEL,
    ...(e.OUTPOST_MASTER_SECRET === undefined
      ? {}
      : { masterSecret: Buffer.from(e.OUTPOST_MASTER_SECRET.trim(), 'base64') }),
    pushOpenThreads: e.OUTPOST_PUSH_OPEN_THREADS ?? pushOpenThreads({}),
    ...(e.TRUST_PROXY === undefined
      ? {}
      : { trustProxy: /^\d+$/.test(e.TRUST_PROXY) ? Number(e.TRUST_PROXY) : e.TRUST_PROXY }),
    ...(e.METRICS_TOKEN === undefined ? {} : { metricsToken: e.METRICS_TOKEN }),
    pool: {
      max: e.OUTPOST_DB_POOL_MAX,
      connectionTimeoutMs: e.OUTPOST_DB_CONNECT_TIMEOUT_MS,
      idleTimeoutMs: e.OUTPOST_DB_IDLE_TIMEOUT_MS,
    },
    materialsStore: e.OUTPOST_MATERIALS_STORE ?? (e.DATABASE_URL === undefined ? 'directory' : 'database'),
  };
}

/** The embedded database's files, kept apart from anything else the app stores there. */
export function embeddedDataPath(config: Pick<Config, 'dataDir'>): string {
  return join(config.dataDir, 'server', 'pgdata');
}
