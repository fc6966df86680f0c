import { access } from 'node:fs/promises';
import type pg from 'pg';
import type { Config } from '../config';
import { loadMasterSecret, masterSecretPath } from '../keys/master-secret';
import type { Logger } from '../logger';
import { materialsDeps, materialsDirOf, type MaterialsDeps } from './deps';

/**
 * The encryption worker's deps in a separate process (`npm run worker`). It must use the server's
 * master secret: a new one would wrap CEKs the server cannot unwrap. So, unlike the server, it never
 * creates one: without OUTPOST_MASTER_SECRET or the server's master.key in OUTPOST_DATA_DIR it
 * leaves encryption jobs to a worker that has them.
 */
export async function workerMaterialsDeps(
  config: Config,
  pool: pg.Pool,
  logger: Logger,
): Promise<MaterialsDeps | undefined> {
  if (!config.masterSecret) {
    try {
      await access(masterSecretPath(config.dataDir));
    } catch {
      logger.warn(
        { dataDir: config.dataDir },
        'no OUTPOST_MASTER_SECRET and no master.key in the data directory: material encryption jobs are skipped',
      );
      return undefined;
    }
  }
  return materialsDeps(await loadMasterSecret(config.masterSecret, config.dataDir, logger), {
    pool,
    store: config.materialsStore,
    dir: materialsDirOf(config.dataDir),
  });
}
