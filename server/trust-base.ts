import { randomBytes } from 'node:crypto';
import type { Router } from 'express';
import type pg from 'pg';
import { DEFAULT_SCRYPT_COST, hashPassword, type ScryptCost } from './auth/passwords';
import { purgeExpiredNonces } from './devices/signature';
import { deriveKey } from './keys/master-secret';
import { loadServerKeys } from './keys/server-keys';
import { materialsDeps } from './materials/deps';
import type { Logger } from './logger';
import { buildRouter } from './routes/build';
import type { TrustDeps } from './routes/deps';
import { allHandlers } from './routes/handlers';
import type { ThrottleLimits } from './throttle/limits';
import { Throttle } from './throttle/throttle';

export interface TrustBaseOptions {
  pool: pg.Pool;
  logger: Logger;
  /** 32 bytes; see keys/master-secret.ts for where it comes from. */
  masterSecret: Buffer;
  /** Tests lower it; production keeps the default. */
  scryptCost?: ScryptCost;
  /** How often expired nonces are swept; 0 disables the timer. */
  noncePurgeIntervalMs?: number;
  /** Uploads and encrypted materials; startServer passes `<dataDir>/materials`, tests a temp dir. */
  materialsDir?: string;
  /** Production keeps THROTTLE_LIMITS; tests lower one to reach it in a few requests. */
  throttleLimits?: ThrottleLimits;
}

export interface TrustBase {
  deps: TrustDeps;
  routers: Router[];
  close(): void;
}

/** Users, tokens, devices, enrollment, policies, audit, health and metrics: every route of the table. */
export async function createTrustBase(options: TrustBaseOptions): Promise<TrustBase> {
  const { pool, logger, masterSecret } = options;
  const scryptCost = options.scryptCost ?? DEFAULT_SCRYPT_COST;
  const deps: TrustDeps = {
    pool,
    logger,
    keys: await loadServerKeys(pool, masterSecret),
    codeKey: deriveKey(masterSecret, 'enrollment-codes'),
    scryptCost,
    dummyHash: await hashPassword(randomBytes(16).toString('base64url'), scryptCost),
    materials: materialsDeps(masterSecret, options.materialsDir),
    throttle: new Throttle(pool, options.throttleLimits),
  };
  const interval = options.noncePurgeIntervalMs ?? 10 * 60_000;
  const timer =
    interval > 0
      ? setInterval(() => {
          purgeExpiredNonces(pool).catch((err: unknown) => logger.warn({ err }, 'nonce purge failed'));
          deps.throttle.sweep().catch((err: unknown) => logger.warn({ err }, 'throttle sweep failed'));
        }, interval).unref()
      : undefined;
  return { deps, routers: [buildRouter(deps, allHandlers(deps))], close: () => clearInterval(timer) };
}
