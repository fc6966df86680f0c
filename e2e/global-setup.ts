import { pgBinAvailable, startCluster } from '../test/pg/cluster';

/**
 * A real PostgreSQL for the e2e run, as in production; reused from OUTPOST_TEST_PG_URL when set.
 * Playwright runs the returned function as teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (process.env.OUTPOST_TEST_PG_URL) return async () => undefined;
  if (!pgBinAvailable()) throw new Error('PostgreSQL 15 is not installed (see README: system packages)');
  const cluster = await startCluster();
  process.env.OUTPOST_TEST_PG_URL = cluster.url;
  process.on('exit', () => cluster.stopSync());
  return () => cluster.stop();
}
