import type pg from 'pg';
import { metrics, registry } from './index';

/** Sets the gauges from the database, then renders every metric in Prometheus text format. */
export async function scrapeMetrics(pool: pg.Pool): Promise<{ contentType: string; text: string }> {
  try {
    const { rows } = await pool.query<{ devices: number; licenses: number; queued: number; jobs: number }>(
      `/* citus: multi-shard: an operator report */ SELECT (SELECT count(*) FROM offline_devices WHERE status = 'active')::int AS devices,
              (SELECT count(*) FROM offline_licenses WHERE status IN ('ready', 'active') AND expires_at > now())::int AS licenses,
              (SELECT count(*) FROM offline_reconciliation_queue WHERE dead_at IS NULL)::int AS queued,
              (SELECT count(*) FROM offline_encryption_jobs WHERE status IN ('queued', 'running'))::int AS jobs`,
    );
    metrics.activeDevices.set(rows[0]?.devices ?? 0);
    metrics.reconciliationQueue.set(rows[0]?.queued ?? 0);
    metrics.activeLicenses.set(rows[0]?.licenses ?? 0);
    metrics.pendingJobs.set(rows[0]?.jobs ?? 0);
  } catch {
    // Gauges keep their last value; the database outage shows on /health/ready.
  }
  return { contentType: registry.contentType, text: await registry.metrics() };
}
