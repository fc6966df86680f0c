import { randomBytes } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { ChunkEncryptor, manifestHash } from '../../protocol/chunks';
import { appendAudit } from '../audit/chain';
import { withTransaction } from '../db/tx';
import type { Logger } from '../logger';
import { metrics } from '../metrics';
import type { MaterialsDeps } from './deps';
import { ENCRYPTION_BACKOFF, retryDelaySeconds } from '../worker/backoff';
import type { PendingObject } from './blobs/types';
import { storeCek } from './kek';

/**
 * One encryption job: plaintext upload → ChunkEncryptor → the encrypted object (./blobs/), manifest
 * and wrapped CEK in the database, plaintext deleted.
 *
 * Claiming: one UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED) marks the job running with a
 * lease (locked_until), so any number of workers share the queue. Unlike the reconciliation queue
 * the work is not done inside that transaction: encrypting 512 MiB takes seconds, and the embedded
 * database runs one transaction at a time. A worker that dies leaves a lapsed lease, and the job is
 * claimed again. Each attempt uses a fresh CEK and base IV (IVs are never reused under one key),
 * and only the finishing transaction — which checks the worker still holds the lease — publishes
 * the result.
 */

export const LEASE_SECONDS = 600;

interface Claimed {
  id: string;
  material_id: string;
  content_type: string;
  attempts: number;
  max_attempts: number;
}

export async function claimJob(pool: pg.Pool, workerId: string): Promise<Claimed | undefined> {
  const { rows } = await pool.query<Claimed>(
    `WITH next AS (
       SELECT id, now() AS at FROM offline_encryption_jobs
       WHERE (status = 'queued' AND run_after <= now()) OR (status = 'running' AND locked_until < now())
       ORDER BY run_after, created_at LIMIT 1 FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE offline_encryption_jobs j SET status = 'running', attempts = attempts + 1, locked_by = $1,
         locked_until = now() + make_interval(secs => $2), started_at = coalesce(started_at, next.at)
       FROM next WHERE j.id = next.id
       RETURNING j.id, j.material_id, j.attempts, j.max_attempts
     ), material AS (
       UPDATE offline_materials m SET status = 'encrypting', updated_at = now()
       FROM claimed WHERE m.id = claimed.material_id RETURNING m.id, m.content_type
     )
     SELECT c.id, c.material_id, c.attempts, c.max_attempts, material.content_type
     FROM claimed c JOIN material ON material.id = c.material_id`,
    [workerId, LEASE_SECONDS],
  );
  return rows[0];
}

export type JobOutcome = { jobId: string; materialId: string } & (
  { done: true; seconds: number } | { done: false; error: string; final: boolean }
);

/** Seams for tests: what happens between encrypting and publishing (a rival worker, a fault). */
export interface JobHooks {
  beforePublish?(): Promise<void>;
}

/** The plaintext, encrypted into this attempt's staged object (published by runJob, or aborted). */
async function encrypt(deps: MaterialsDeps, job: Claimed, staged: PendingObject) {
  const started = process.hrtime.bigint();
  const cek = randomBytes(32);
  const encryptor = new ChunkEncryptor({ cek, materialId: job.material_id, contentType: job.content_type });
  let encryptedSize = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      encryptedSize += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(await deps.blobs.openUpload(job.material_id), encryptor, count, staged.stream);
  return { cek, manifest: encryptor.manifest, encryptedSize, started };
}

/** Runs one claimed job to its end (done, retry later, or failed for good). Never throws. */
export async function runJob(
  pool: pg.Pool,
  deps: MaterialsDeps,
  job: Claimed,
  workerId: string,
  logger?: Logger,
  /** The backoff's jitter; Math.random unless a test injects one. */
  random?: () => number,
  hooks: JobHooks = {},
): Promise<JobOutcome> {
  const base = { jobId: job.id, materialId: job.material_id };
  const extend = setInterval(
    () => {
      pool
        .query(
          `UPDATE offline_encryption_jobs SET locked_until = now() + make_interval(secs => $3)
         WHERE id = $1 AND locked_by = $2 AND status = 'running'`,
          [job.id, workerId, LEASE_SECONDS],
        )
        .catch(() => undefined);
    },
    (LEASE_SECONDS * 1000) / 3,
  ).unref();
  // Per attempt, so a worker whose lease lapsed never writes into its successor's object.
  let staged: PendingObject | undefined;
  try {
    staged = await deps.blobs.stageEncrypted(job.material_id, job.attempts);
    const result = await encrypt(deps, job, staged);
    await hooks.beforePublish?.();
    const attempt = staged;
    const published = await withTransaction(pool, async (client) => {
      const held = await client.query(
        `SELECT 1 FROM offline_encryption_jobs WHERE id = $1 AND locked_by = $2 AND status = 'running' FOR UPDATE`,
        [job.id, workerId],
      );
      if (held.rowCount !== 1) return false;
      // Published inside the transaction: in the table it commits with it; a file renamed before a
      // commit that fails is overwritten by the next attempt, and not served until one succeeds.
      await attempt.commit(client);
      await storeCek(client, deps.masterSecret, job.material_id, result.cek);
      await client.query(
        `UPDATE offline_materials SET status = 'ready', manifest = $2, manifest_sha256 = $3, chunk_count = $4,
           encrypted_size = $5, updated_at = now() WHERE id = $1`,
        [
          job.material_id,
          JSON.stringify(result.manifest),
          manifestHash(result.manifest),
          result.manifest.chunk_count,
          result.encryptedSize,
        ],
      );
      await client.query(
        `UPDATE offline_encryption_jobs SET status = 'done', finished_at = now(), locked_by = NULL,
           locked_until = NULL, last_error = NULL WHERE id = $1`,
        [job.id],
      );
      await appendAudit(client, {
        actorType: 'system',
        actorId: workerId,
        action: 'material.encrypted',
        targetType: 'material',
        targetId: job.material_id,
        details: {
          job_id: job.id,
          attempts: job.attempts,
          chunks: result.manifest.chunk_count,
          encrypted_size: result.encryptedSize,
        },
      });
      return true;
    });
    if (!published) {
      // Our lease lapsed and another worker took the job over: its result wins.
      await attempt.abort();
      return { ...base, done: false, error: 'lease lost', final: false };
    }
    // The plaintext was only needed until now.
    await deps.blobs.deleteUpload(job.material_id);
    const seconds = Number(process.hrtime.bigint() - result.started) / 1e9;
    metrics.encryptionDuration.observe(seconds);
    return { ...base, done: true, seconds };
  } catch (err) {
    await staged?.abort();
    const message = String(err instanceof Error ? err.message : err).slice(0, 500);
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    const final = missing || job.attempts >= job.max_attempts;
    logger?.error({ err, jobId: job.id, materialId: job.material_id, final }, 'encryption job failed');
    await withTransaction(pool, async (client) => {
      // A dead letter (status failed) or the next try after a jittered backoff; no now() in a CASE.
      const updated = await client.query(
        final
          ? `UPDATE offline_encryption_jobs SET status = 'failed', last_error = $3, locked_by = NULL,
               locked_until = NULL, finished_at = now()
             WHERE id = $1 AND locked_by = $2`
          : `UPDATE offline_encryption_jobs SET status = 'queued', last_error = $3, locked_by = NULL,
               locked_until = NULL, run_after = now() + make_interval(secs => $4)
             WHERE id = $1 AND locked_by = $2`,
        [
          job.id,
          workerId,
          message,
          ...(final ? [] : [retryDelaySeconds(job.attempts, ENCRYPTION_BACKOFF, random)]),
        ],
      );
      if (updated.rowCount !== 1) return false; // another worker holds the job now
      await client.query(`UPDATE offline_materials SET status = $2, updated_at = now() WHERE id = $1`, [
        job.material_id,
        final ? 'failed' : 'pending',
      ]);
      if (final)
        await appendAudit(client, {
          actorType: 'system',
          actorId: workerId,
          action: 'material.encryption_failed',
          targetType: 'material',
          targetId: job.material_id,
          details: { job_id: job.id, attempts: job.attempts, error: message },
        });
      return true;
    }).catch((e: unknown) => {
      logger?.error({ err: e, jobId: job.id }, 'could not record the job failure');
      return false;
    });
    // A job failed for good is a dead letter an operator may retry from the console (server/jobs/):
    // its plaintext stays until then (docs/operations.md, "Dead letters").
    return { ...base, done: false, error: message, final };
  } finally {
    clearInterval(extend);
  }
}
