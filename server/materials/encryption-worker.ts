import type pg from 'pg';
import type { Logger } from '../logger';
import { defaultWorkerId } from '../worker/reconcile';
import type { MaterialsDeps } from './deps';
import { claimJob, runJob } from './encryption-job';
import { sleeper } from '../worker/sleeper';

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
    if (!job) return pass;
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
  const { sleep, wake } = sleeper();
  const loop = async () => {
    while (!stopping) {
      try {
        const job = await claimJob(options.pool, workerId);
        if (!job) {
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
