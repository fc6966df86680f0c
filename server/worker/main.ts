import { ConfigError, loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { installAuditKey } from '../audit/key';
import { loadExistingMasterSecret } from '../keys/master-secret';
import { createLogger } from '../logger';
import { runEncryptionOnce, startEncryptionWorker } from '../materials/encryption-worker';
import { workerMaterialsDeps } from '../materials/worker-deps';
import { runOnce, startWorker } from './reconcile';

/**
 * `npm run worker` — the reconciliation worker against DATABASE_URL, until SIGINT/SIGTERM.
 * `npm run worker -- --once` — drain the queue once and exit (cron, tests, a manual catch-up).
 * Run as many as you like: they share the queue with FOR UPDATE SKIP LOCKED.
 *
 * The embedded database (no DATABASE_URL) belongs to the one server process that opened it, so
 * there the server runs the worker in-process and this command refuses to start.
 */
async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (config.databaseUrl === undefined) {
    process.stderr.write(
      'The worker needs DATABASE_URL. With the embedded database, `npm run server` runs the worker itself.\n',
    );
    return 1;
  }
  // The worker appends audit rows (bundle.reconciled, …), keyed with the server's audit key: without
  // the server's master secret it could only write rows that audit:verify rightly calls forged.
  const master = await loadExistingMasterSecret(config.masterSecret, config.dataDir);
  if (!master) {
    process.stderr.write(
      "The worker needs the server's master secret: set OUTPOST_MASTER_SECRET, or OUTPOST_DATA_DIR to the server's data directory (server/master.key).\n",
    );
    return 1;
  }
  installAuditKey(master);
  const logger = createLogger(config.logLevel).child({ component: 'worker' });
  const pool = createPool(config.databaseUrl, { ...config.pool, logger });
  try {
    await migrate(pool, { logger });
    // Material encryption needs the server's master secret, and its materials store: the database
    // by default on DATABASE_URL, else the server's materials directory (same data dir).
    const materials = await workerMaterialsDeps(config, pool, logger);
    if (process.argv.includes('--once')) {
      const result = await runOnce({ pool, logger });
      logger.info(result, 'reconciliation pass done');
      const encryption = materials ? await runEncryptionOnce({ pool, materials, logger }) : undefined;
      if (encryption) logger.info(encryption, 'encryption pass done');
      return result.failed > 0 || (encryption?.failed ?? 0) > 0 ? 1 : 0;
    }
    const encryption = materials ? startEncryptionWorker({ pool, materials, logger }) : undefined;
    const worker = startWorker({ pool, logger });
    logger.info({ workerId: worker.workerId }, 'reconciliation worker started');
    await new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        logger.info({ signal }, 'stopping worker');
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await worker.stop();
    await encryption?.stop();
    logger.info(worker.processed, 'reconciliation worker stopped');
    return 0;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `Worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
