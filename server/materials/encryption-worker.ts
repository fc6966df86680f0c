import type pg from 'pg';
import type { Logger } from '../logger';
import { defaultWorkerId } from '../worker/reconcile';
import type { MaterialsDeps } from './deps';
import { claimJob, runJob } from './encryption-job';
import { sleeper } from '../worker/sleeper';
import { sweepAbandonedChunks } from './blobs/sweep';

/** How often an idle encryption worker sweeps what dead writers left (./blobs/sweep.ts). */
const SWEEP_INTERVAL_MS = 3_600_000;

async function sweep(options: EncryptionWorkerOptions): Promise<void> {
  try {
    const swept = await sweepAbandonedChunks(options.pool);
    if (swept > 0) options.logger?.info({ rows: swept }, 'abandoned material chunks deleted');
  } catch (err) {
    options.logger?.warn({ err }, 'sweeping abandoned material chunks failed; retried later');
  }
}

export interface EncryptionWorkerOptions {
  pool: pg.Pool;
  materials: MaterialsDeps;
  logger?: Logger;
  workerId?: string;
  pollIntervalMs?: number;
}

export interface EncryptionPass {
  done: number;
  failed: number;
}

/** Runs jobs until none is ready (what `npm run worker -- --once` and tests use). */
export async function runEncryptionOnce(options: EncryptionWorkerOptions): Promise<EncryptionPass> {
  const workerId = options.workerId ?? defaultWorkerId();
  const pass: EncryptionPass = { done: 0, failed: 0 };
  for (;;) {
    const job = await claimJob(options.pool, workerId);
    if (!job) {
      await sweep(options);
      return pass;
    }
    const outcome = await runJob(options.pool, options.materials, job, workerId, options.logger);
    if (outcome.done) pass.done++;
    else pass.failed++;
  }
}

export interface RunningEncryptionWorker {
  stop(): Promise<void>;
  readonly processed: EncryptionPass;
}

/** The continuous loop, beside the reconciliation worker (in-process on the embedded database). */
export function startEncryptionWorker(options: EncryptionWorkerOptions): RunningEncryptionWorker {
  const workerId = options.workerId ?? defaultWorkerId();
  const pollMs = options.pollIntervalMs ?? 1000;
  const processed: EncryptionPass = { done: 0, failed: 0 };
  let stopping = false;
  let swept = 0;
  const { sleep, wake } = sleeper();
  const loop = async () => {
    while (!stopping) {
      try {
        const job = await claimJob(options.pool, workerId);
        if (!job) {
          if (Date.now() - swept >= SWEEP_INTERVAL_MS) {
            swept = Date.now();
            await sweep(options);
          }
          await sleep(pollMs);
          continue;
        }
        const outcome = await runJob(options.pool, options.materials, job, workerId, options.logger);
        if (outcome.done) processed.done++;
        else processed.failed++;
      } catch (err) {
        options.logger?.error({ err }, 'encryption worker loop failed; retrying');
        await sleep(Math.max(pollMs, 1000));
      }
    }
  };
  const done = loop();
  return {
    processed,
    stop: async () => {
      stopping = true;
      wake();
      await done;
    },
  };
}
