import type pg from 'pg';
import {
  DEAD_LETTERS_MAX,
  type DeadLetter,
  type DeadLetterList,
  type DeadLetterRetried,
  type RetryDeadLetterRequest,
} from '../../protocol/http/jobs';
import { appendAudit } from '../audit/chain';
import { withTransaction } from '../db/tx';

/**
 * The job queues' dead letters (issue #23, item 4): a reconciliation job whose bundle failed to post
 * max_attempts times (dead_at set: server/worker/reconcile.ts), an encryption job failed for good
 * (status failed: server/materials/encryption-job.ts). Neither is claimed again until an operator
 * retries it here; each statement names what the job routes by (the device, the material).
 */

interface Row {
  queue: DeadLetter['queue'];
  id: string;
  routes_by: string;
  target: string;
  attempts: number;
  reason: string | null;
  failed_at: Date | null;
}

export async function listDeadLetters(pool: pg.Pool): Promise<DeadLetterList> {
  const [rows, total] = await Promise.all([
    pool.query<Row>(
      `(SELECT 'reconciliation' AS queue, q.bundle_id::text AS id, q.device_id AS routes_by,
          'bundle ' || q.bundle_id AS target, q.attempts, q.last_error AS reason, q.dead_at AS failed_at
        FROM offline_reconciliation_queue q WHERE q.dead_at IS NOT NULL
        ORDER BY q.dead_at DESC LIMIT $1)
       UNION ALL
       (SELECT 'encryption', j.id::text, j.material_id::text, m.title, j.attempts, j.last_error, j.finished_at
        FROM offline_encryption_jobs j JOIN offline_materials m ON m.id = j.material_id
        WHERE j.status = 'failed' ORDER BY j.finished_at DESC LIMIT $1)
       ORDER BY failed_at DESC NULLS LAST, id LIMIT $1`,
      [DEAD_LETTERS_MAX],
    ),
    pool.query<{ n: number }>(
      `/* citus: multi-shard: an operator report */ SELECT (SELECT count(*) FROM offline_reconciliation_queue WHERE dead_at IS NOT NULL)::int
            + (SELECT count(*) FROM offline_encryption_jobs WHERE status = 'failed')::int AS n`,
    ),
  ]);
  return {
    dead_letters: rows.rows.map((r) => ({ ...r, failed_at: r.failed_at?.toISOString() ?? null })),
    total: total.rows[0]!.n,
  };
}

/** Queues a dead letter again (attempts from zero, ready now) and audits it; undefined if there is none. */
export async function retryDeadLetter(
  pool: pg.Pool,
  letter: RetryDeadLetterRequest,
  userId: string,
): Promise<DeadLetterRetried | undefined> {
  return withTransaction(pool, async (client) => {
    const { rows } =
      letter.queue === 'reconciliation'
        ? await client.query<{ run_after: Date }>(
            `UPDATE offline_reconciliation_queue SET dead_at = NULL, attempts = 0, run_after = now()
             WHERE device_id = $1 AND bundle_id = $2 AND dead_at IS NOT NULL RETURNING run_after`,
            [letter.routes_by, letter.id],
          )
        : await client.query<{ run_after: Date }>(
            `WITH job AS (
               UPDATE offline_encryption_jobs SET status = 'queued', attempts = 0, run_after = now(),
                 finished_at = NULL
               WHERE material_id = $1 AND id = $2 AND status = 'failed' RETURNING material_id, run_after
             ), material AS (
               UPDATE offline_materials m SET status = 'pending', updated_at = now()
               FROM job WHERE m.id = job.material_id
             )
             SELECT run_after FROM job`,
            [letter.routes_by, letter.id],
          );
    const row = rows[0];
    if (!row) return undefined;
    await appendAudit(client, {
      actorType: 'user',
      actorId: userId,
      action: 'job.retried',
      targetType: letter.queue === 'reconciliation' ? 'bundle' : 'encryption_job',
      targetId: letter.id,
      details: { queue: letter.queue, routes_by: letter.routes_by },
    });
    return { queue: letter.queue, id: letter.id, run_after: row.run_after.toISOString() };
  });
}
