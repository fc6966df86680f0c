import { randomBytes } from 'node:crypto';
import type { Router } from 'express';
import type pg from 'pg';
import { readAnchor } from './audit/anchor';
import { AuditChainBroken, auditCheckpointer, type Checkpointer } from './audit/checkpoint';
import { installAuditKey } from './audit/key';
import { DEFAULT_SCRYPT_COST, hashPassword, type ScryptCost } from './auth/passwords';
import { purgeExpiredNonces } from './devices/signature';
import { deriveKey } from './keys/master-secret';
import { loadServerKeys } from './keys/server-keys';
import { materialsDeps } from './materials/deps';
import type { MaterialsStore } from './materials/blobs/types';
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
  /** Where material blobs live (config OUTPOST_MATERIALS_STORE); default the directory. */
  materialsStore?: MaterialsStore;
  /** Where the audit anchor lives (audit/anchor.ts); startServer passes `<dataDir>/server/…`, tests none. */
  auditAnchorFile?: string;
  /** How often the audit chain's head gets a keyed checkpoint; 0 disables the timer (tests run it). */
  auditCheckpointIntervalMs?: number;
  /** Production keeps THROTTLE_LIMITS; tests lower one to reach it in a few requests. */
  throttleLimits?: ThrottleLimits;
  /** config METRICS_TOKEN: the bearer token a scraper sends to /metrics and /health/full. */
  metricsToken?: string;
}

export interface TrustBase {
  deps: TrustDeps;
  routers: Router[];
  /** Keyed checkpoints of the audit chain (audit/checkpoint.ts). */
  auditCheckpoints: Checkpointer;
  close(): void;
}

/** Users, tokens, devices, enrollment, policies, audit, health and metrics: every route of the table. */
export async function createTrustBase(options: TrustBaseOptions): Promise<TrustBase> {
  const { pool, logger, masterSecret } = options;
  const scryptCost = options.scryptCost ?? DEFAULT_SCRYPT_COST;
  const auditKey = installAuditKey(masterSecret);
  const anchorFile = options.auditAnchorFile;
  const auditCheckpoints = auditCheckpointer({
    pool,
    key: auditKey,
    logger,
    ...(anchorFile === undefined ? {} : { anchorFile, anchor: await readAnchor(anchorFile, auditKey) }),
  });
  // The first run keys a log written before the audit key existed; a broken chain is logged, not
  // fatal: the server keeps serving, and audit:verify names the row.
  const checkpoint = () =>
    auditCheckpoints.run().catch((err: unknown) => {
      if (err instanceof AuditChainBroken) logger.error({ err }, 'audit checkpoint refused');
      else logger.warn({ err }, 'audit checkpoint failed; retried at the next interval');
    });
  await checkpoint();
  const deps: TrustDeps = {
    pool,
    logger,
    keys: await loadServerKeys(pool, masterSecret),
    codeKey: deriveKey(masterSecret, 'enrollment-codes'),
    scryptCost,
    dummyHash: await hashPassword(randomBytes(16).toString('base64url'), scryptCost),
    materials: materialsDeps(masterSecret, {
      pool,
      ...(options.materialsDir === undefined ? {} : { dir: options.materialsDir }),
      ...(options.materialsStore === undefined ? {} : { store: options.materialsStore }),
    }),
    throttle: new Throttle(pool, options.throttleLimits),
    audit: { key: auditKey, checkpoints: auditCheckpoints },
    ...(options.metricsToken === undefined ? {} : { metricsToken: options.metricsToken }),
  };
  const interval = options.noncePurgeIntervalMs ?? 10 * 60_000;
  const timer =
    interval > 0
      ? setInterval(() => {
          purgeExpiredNonces(pool).catch((err: unknown) => logger.warn({ err }, 'nonce purge failed'));
          deps.throttle.sweep().catch((err: unknown) => logger.warn({ err }, 'throttle sweep failed'));
        }, interval).unref()
      : undefined;
  const every = options.auditCheckpointIntervalMs ?? 5_000;
  const auditTimer = every > 0 ? setInterval(() => void checkpoint(), every).unref() : undefined;
  return {
    deps,
    routers: [buildRouter(deps, allHandlers(deps))],
    auditCheckpoints,
    close: () => {
      clearInterval(timer);
      clearInterval(auditTimer);
    },
  };
}
