import type pg from 'pg';

/** An upload of 512 MiB on a slow line takes hours; a job's attempt minutes, under a 10-minute lease. */
export const ABANDONED_AFTER_HOURS = 24;

/**
 * Deletes what a writer that died left in offline_material_chunks: an upload still `receiving`
 * (its server was killed mid-request; the plaintext would otherwise stay in the table and its
 * dumps for good), and a `staged-*` attempt of a job no worker is running (its worker was killed
 * before publishing or aborting), and a plaintext `upload` no job will read: its server was killed
 * after storing it and before inserting its material and job (or that insert failed and so did the
 * delete), or its job is done and deleting it failed. A dead letter's (job failed) stays for its
 * retry. Run by the encryption worker at most hourly (./encryption-worker.ts).
 */
export async function sweepAbandonedChunks(pool: Pick<pg.Pool, 'query'>): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM offline_material_chunks c
      WHERE c.created_at < now() - make_interval(hours => $1)
        AND (c.kind = 'receiving'
             OR (c.kind LIKE 'staged-%' AND NOT EXISTS (
                   SELECT 1 FROM offline_encryption_jobs j
                    WHERE j.material_id = c.material_id AND j.status = 'running' AND j.locked_until > now()))
             OR (c.kind = 'upload' AND NOT EXISTS (
                   SELECT 1 FROM offline_encryption_jobs j
                    WHERE j.material_id = c.material_id AND j.status IN ('queued', 'running', 'failed'))))`,
    [ABANDONED_AFTER_HOURS],
  );
  return rowCount ?? 0;
}
