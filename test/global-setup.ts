import type { TestProject } from 'vitest/node';
import { pgBinAvailable, startCluster, type PgCluster } from './pg/cluster';
import { TEST_PG_URL_KEY } from './pg/provide';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * One real PostgreSQL for the whole run (each test file gets its own database in it, see
 * test/pg/database.ts). An OUTPOST_TEST_PG_URL from the environment is reused instead.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const existing = process.env.OUTPOST_TEST_PG_URL;
  if (existing) {
    project.provide(TEST_PG_URL_KEY, existing);
    return async () => undefined;
  }
  if (!pgBinAvailable()) {
    // Unit tests still run; database tests fail with a message saying what is missing.
    console.warn('[global-setup] PostgreSQL 15 binaries not found; database tests will fail');
    project.provide(TEST_PG_URL_KEY, undefined);
    return async () => undefined;
  }

  const cluster: PgCluster = await startCluster();
  process.env.OUTPOST_TEST_PG_URL = cluster.url;
  project.provide(TEST_PG_URL_KEY, cluster.url);

  // Teardown does not run when the run is interrupted; stop the cluster before dying.
  const onSignal = (signal: NodeJS.Signals) => {
    cluster.stopSync();
    removeHandlers();
    // Only re-raise if nobody else (vitest) handles the signal, or the process would linger.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const onExit = () => cluster.stopSync();
  const removeHandlers = () => {
    for (const s of SIGNALS) process.off(s, onSignal);
    process.off('exit', onExit);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', onExit);

  return async () => {
    removeHandlers();
    delete process.env.OUTPOST_TEST_PG_URL;
    await cluster.stop();
  };
}
