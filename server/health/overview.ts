import type pg from 'pg';
import type { HealthOverview } from '../../protocol/http';
import { fullHealth, HEARTBEAT_STALE_MS } from './full';

interface Counts {
  queued: number;
  retrying: number;
  oldest: Date | null;
  review: number;
  quarantined: number;
  jobs_queued: number;
  jobs_running: number;
  jobs_failed: number;
  audit_last_id: string | null;
  checkpoint_through: string | null;
  checkpoint_at: Date | null;
}

/**
 * GET /offline/health/overview (issue #19, item 10): /health/full and the numbers an operator reads
 * first, each one indexed or small (the review index, the queue, the newest checkpoint; the audit
 * log's newest id, not a count of it). Undefined when the database cannot
 * be reached.
 */
export async function healthOverview(pool: pg.Pool): Promise<HealthOverview | undefined> {
  const health = await fullHealth(pool);
  if (!health) return undefined;
  try {
    const [counts, workers, keys] = await Promise.all([
      pool.query<Counts>(
        `/* citus: multi-shard: an operator report */ SELECT (SELECT count(*) FROM offline_reconciliation_queue WHERE dead_at IS NULL)::int AS queued,
           (SELECT count(*) FROM offline_reconciliation_queue WHERE dead_at IS NULL AND attempts > 0)::int AS retrying,
           (SELECT min(enqueued_at) FROM offline_reconciliation_queue WHERE dead_at IS NULL) AS oldest,
           (SELECT count(*) FROM offline_tx_bundles WHERE status = 'review')::int AS review,
           (SELECT count(*) FROM offline_tx_bundles WHERE status = 'quarantined')::int AS quarantined,
           (SELECT count(*) FROM offline_encryption_jobs WHERE status = 'queued')::int AS jobs_queued,
           (SELECT count(*) FROM offline_encryption_jobs WHERE status = 'running')::int AS jobs_running,
           (SELECT count(*) FROM offline_encryption_jobs WHERE status = 'failed')::int AS jobs_failed,
           (SELECT max(id)::text FROM offline_audit_logs) AS audit_last_id,
           c.through_id::text AS checkpoint_through, c.at AS checkpoint_at
         FROM (SELECT 1) one
         LEFT JOIN (SELECT through_id, at FROM offline_audit_checkpoints ORDER BY through_id DESC LIMIT 1) c ON true`,
      ),
      pool.query<{ worker_id: string; kind: string; heartbeat_at: Date }>(
        'SELECT worker_id, kind, heartbeat_at FROM worker_heartbeats ORDER BY heartbeat_at DESC LIMIT 20',
      ),
      pool.query<{ kind: string; created_at: Date }>(
        `SELECT kind, created_at FROM server_keys
         UNION ALL (SELECT 'kek_v' || version, created_at FROM offline_kek_versions ORDER BY version DESC LIMIT 1)
         ORDER BY kind`,
      ),
    ]);
    const c = counts.rows[0]!;
    const now = Date.now();
    return {
      ...health,
      workers: workers.rows.map((w) => ({
        worker_id: w.worker_id,
        kind: w.kind,
        heartbeat_at: w.heartbeat_at.toISOString(),
        status: now - w.heartbeat_at.getTime() > HEARTBEAT_STALE_MS ? 'stale' : 'running',
      })),
      reconciliation: {
        queued: c.queued,
        retrying: c.retrying,
        oldest_enqueued_at: c.oldest?.toISOString() ?? null,
      },
      bundles: { review: c.review, quarantined: c.quarantined },
      encryption_jobs: { queued: c.jobs_queued, running: c.jobs_running, failed: c.jobs_failed },
      keys: keys.rows.map((k) => ({ kind: k.kind, created_at: k.created_at.toISOString() })),
      audit: {
        last_id: c.audit_last_id,
        checkpoint_through: c.checkpoint_through,
        checkpoint_at: c.checkpoint_at?.toISOString() ?? null,
      },
    };
  } catch {
    return undefined;
  }
}
