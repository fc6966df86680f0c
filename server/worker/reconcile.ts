import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import { appendAudit, auditStatement } from '../audit/chain';
import { commitWith, queryAll, type Statement } from '../db/inline';
import { withClient } from '../db/tx';
import { purgeExpiredNonces } from '../devices/signature';
import type { Logger } from '../logger';
import { metrics } from '../metrics';
import type { BundleState } from '../../protocol/states';
import { legsFor, postLegs, tenantOf, type LedgerTransaction } from '../payments/ledger';
import { postingCheck } from '../payments/refunds';
import {
  reconciledStatement,
  rescore,
  withOrigin,
  withoutOrigin,
  type StoredReason,
} from '../payments/bundle-states';
import { WEIGHTS } from '../payments/score';
import { RECONCILE_BACKOFF, retryDelaySeconds } from './backoff';
import { sleeper } from './sleeper';

/**
 * The reconciliation worker: posts accepted bundles to the ledger.
 *
 * Queue: the table offline_reconciliation_queue, keyed (device_id, bundle_id) and claimed with
 * `SELECT … FOR UPDATE SKIP LOCKED` by a claim that names the device (offline_reconcile_claim).
 * pg-boss 10 and graphile-worker 0.16 were measured beside it and not adopted (docs/scaling.md,
 * "Job queues": neither keys or claims by device, graphile-worker does not run on the embedded
 * database, pg-boss is slower). Any number of workers (processes, or loops in one
 * process) can run at once: each locks a different job, and a job's lock lives as long as the
 * transaction that posts it. A failure is recorded under that same lock (a savepoint), with a
 * jittered backoff, and after max_attempts the job is a dead letter (server/jobs/).
 *
 * Exactly once: a bundle is claimed, posted, marked reconciled and removed from the queue in ONE
 * transaction. A worker that dies anywhere before COMMIT leaves nothing behind; its lock goes with
 * its connection and the next worker takes the job. Independently of that, ledger_entries has
 * UNIQUE (device_id, sale_id, leg), and a leg already there is skipped (postLegs falls back to ON
 * CONFLICT DO NOTHING), so even entries committed without their marking (an older worker, a manual repair, a future split into two transactions)
 * cannot be written twice.
 */

export interface WorkerHooks {
  /** Test seam: runs after a bundle's entries are written, before it is marked reconciled. */
  afterEntries?: (bundleId: string) => Promise<void> | void;
}

export interface WorkerOptions {
  pool: pg.Pool;
  logger?: Logger;
  workerId?: string;
  /** Idle wait between polls of an empty queue. */
  pollIntervalMs?: number;
  /** How often expired nonces are purged (bundle and request nonces). */
  purgeIntervalMs?: number;
  hooks?: WorkerHooks;
}

export interface PassResult {
  bundles: number;
  sales: number;
  failed: number;
}

const HEARTBEAT_KIND = 'reconciliation';

interface ClaimedBundle {
  bundle_id: string;
  device_id: string;
  tenant_type: string | null;
  tenant_id: string | null;
  status: BundleState;
  reasons: StoredReason[];
}

/** What offline_reconcile_claim (migration 1796476961078) answers for a claimed job. */
interface Claim {
  job: string;
  /** The device the job routes by: every statement on the queue names it. */
  device_id: string;
  /** Failures so far, and how many make the job a dead letter. */
  attempts: number;
  max_attempts: number;
  bundle: ClaimedBundle | null;
  /** The bundle's pending sales, by seq; null unless the bundle is accepted. */
  txs: LedgerTransaction[] | null;
}

/** A refund whose original is stored but not yet posted: the job is retried after its backoff. */
class WaitingForOriginal extends Error {}

/**
 * Posting a refund or void would break the rule (unknown original, other currency or tenant, more
 * than remains of the original): nothing is posted, the bundle goes back to ops with the reason.
 * An approval re-queues it, and this check runs again: the ledger never refunds twice.
 */
async function holdForRefund(
  client: pg.PoolClient,
  bundle: ClaimedBundle,
  detail: string,
  workerId: string,
  dequeue: Statement,
): Promise<void> {
  const reasons = [
    ...withoutOrigin(bundle.reasons, 'posting'),
    withOrigin(
      {
        code: 'REFUND_MISMATCH',
        weight: WEIGHTS.REFUND_MISMATCH,
        detail: `at posting: ${detail}`.slice(0, 500),
      },
      'posting',
    ),
  ];
  const { score, status } = await rescore(client, bundle, reasons, 'worker_refund_held');
  await client.query(
    `UPDATE offline_transactions SET status = 'held'
     WHERE device_id = $1 AND bundle_id = $2 AND status = 'pending'`,
    [bundle.device_id, bundle.bundle_id],
  );
  await client.query(dequeue.text, dequeue.values as unknown[]);
  await appendAudit(client, {
    actorType: 'system',
    actorId: workerId,
    action: 'bundle.refund_held',
    targetType: 'bundle',
    targetId: bundle.bundle_id,
    details: { device_id: bundle.device_id, to: status, sira_score: score, detail: detail.slice(0, 500) },
  });
}

/** Claims and posts one bundle; null when the queue has nothing ready. */
export async function reconcileNext(
  pool: pg.Pool,
  options: { workerId: string; hooks?: WorkerHooks; logger?: Logger; random?: () => number } = {
    workerId: 'anonymous',
  },
): Promise<{ bundleId: string; sales: number } | null | { failed: string }> {
  return withClient(pool, async (client) => {
    // BEGIN, the claim, the bundle's lock and its pending sales: one round trip. The savepoint lets
    // a failure be recorded while the job is still locked, so no other worker runs it meanwhile.
    const [, claimRows] = await queryAll(client, [
      'BEGIN',
      'SELECT offline_reconcile_claim() AS claim',
      'SAVEPOINT job',
    ]);
    const claim = (claimRows!.rows[0] as { claim: Claim | null }).claim;
    if (!claim) {
      await client.query('COMMIT');
      return null;
    }
    try {
      return await post(client, claim, options);
    } catch (err) {
      await recordFailure(pool, client, claim, err, options);
      return { failed: claim.job };
    }
  });
}

/** The dequeue of a claimed job: it names the device, as every statement on the queue does. */
const dequeueStatement = (claim: Claim): Statement => ({
  text: 'DELETE FROM offline_reconciliation_queue WHERE device_id = $1 AND bundle_id = $2',
  values: [claim.device_id, claim.job],
});

async function post(
  client: pg.PoolClient,
  claim: Claim,
  options: { workerId: string; hooks?: WorkerHooks },
): Promise<{ bundleId: string; sales: number }> {
  const bundleId = claim.job;
  const started = process.hrtime.bigint();
  const dequeue = dequeueStatement(claim);
  const bundle = claim.bundle;
  if (!bundle || bundle.status !== 'accepted' || !claim.txs) {
    // Rejected or already reconciled since it was queued: nothing to post.
    await commitWith(client, [dequeue]);
    return { bundleId, sales: 0 };
  }
  const txs = claim.txs;
  const refunds = await postingCheck(client, txs, bundle);
  if (refunds.wait !== undefined) throw new WaitingForOriginal(refunds.wait);
  if (refunds.hold !== undefined) {
    await holdForRefund(client, bundle, refunds.hold, options.workerId, dequeue);
    await client.query('COMMIT');
    return { bundleId, sales: 0 };
  }
  const tenant = tenantOf(bundle);
  const originals = refunds.originalDevices;
  // A refund approved before its original reached the server is resolved only now: keep it.
  if (originals && originals.size > 0)
    await client.query(
      `UPDATE offline_transactions t SET original_device_id = u.device
       FROM unnest($2::uuid[], $3::text[]) AS u(sale, device)
       WHERE t.device_id = $4 AND t.bundle_id = $1 AND t.original_sale_id = u.sale
         AND t.original_device_id IS NULL`,
      [bundleId, [...originals.keys()], [...originals.values()], claim.device_id],
    );
  const legs = txs.flatMap((tx) =>
    legsFor(
      { ...tx, original_device_id: tx.original_sale_id ? originals?.get(tx.original_sale_id) : null },
      tenant,
    ),
  );
  const written = await postLegs(client, legs);
  await options.hooks?.afterEntries?.(bundleId);
  // Marked reconciled, dequeued and audited with the COMMIT: one more round trip.
  await commitWith(client, [
    {
      text: `UPDATE offline_transactions SET status = 'reconciled', reconciled_at = now()
             WHERE device_id = $2 AND bundle_id = $1 AND status = 'pending'`,
      values: [bundleId, claim.device_id],
    },
    reconciledStatement(claim.device_id, bundleId),
    dequeue,
    auditStatement({
      actorType: 'system',
      actorId: options.workerId,
      action: 'bundle.reconciled',
      targetType: 'bundle',
      targetId: bundleId,
      details: {
        device_id: claim.device_id,
        transactions: txs.length,
        entries: written,
        skipped_entries: legs.length - written,
      },
    }),
  ]);
  metrics.reconciliationDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
  return { bundleId, sales: txs.length };
}

/**
 * A failed attempt: the work rolls back to the savepoint and the job, still locked, gets its next
 * run time (exponential backoff with jitter) or, at its cap, becomes a dead letter with the reason
 * and an audit row. A refund waiting for its original is not a failure: it waits, never dies.
 */
async function recordFailure(
  pool: pg.Pool,
  client: pg.PoolClient,
  claim: Claim,
  err: unknown,
  options: { workerId: string; logger?: Logger; random?: () => number },
): Promise<void> {
  const waiting = err instanceof WaitingForOriginal;
  if (waiting)
    options.logger?.info({ bundleId: claim.job, detail: err.message }, 'refund waits for its original');
  else options.logger?.error({ err, bundleId: claim.job }, 'reconciliation failed');
  const failures = claim.attempts + 1;
  const dead = !waiting && failures >= claim.max_attempts;
  const reason = String(err instanceof Error ? err.message : err).slice(0, 500);
  const key = [claim.device_id, claim.job, failures, reason];
  const statement: Statement = dead
    ? {
        text: `UPDATE offline_reconciliation_queue SET attempts = $3, last_error = $4, dead_at = now()
               WHERE device_id = $1 AND bundle_id = $2`,
        values: key,
      }
    : {
        text: `UPDATE offline_reconciliation_queue SET attempts = $3, last_error = $4,
                 run_after = now() + make_interval(secs => $5)
               WHERE device_id = $1 AND bundle_id = $2`,
        values: [...key, retryDelaySeconds(failures, RECONCILE_BACKOFF, options.random)],
      };
  const audit = auditStatement({
    actorType: 'system',
    actorId: options.workerId,
    action: 'job.dead_lettered',
    targetType: 'bundle',
    targetId: claim.job,
    details: { queue: 'reconciliation', device_id: claim.device_id, attempts: failures, reason },
  });
  try {
    await commitWith(client, ['ROLLBACK TO SAVEPOINT job', statement, ...(dead ? [audit] : [])]);
  } catch {
    // The transaction itself is gone (a failed COMMIT, a lost connection): record it outside it.
    await client.query('ROLLBACK').catch(() => undefined);
    await pool.query(statement.text, statement.values as unknown[]).catch(() => undefined);
  }
}

export async function heartbeat(pool: pg.Pool, workerId: string, details: Record<string, unknown>) {
  await pool.query(
    `INSERT INTO worker_heartbeats (worker_id, kind, details) VALUES ($1, $2, $3)
     ON CONFLICT (worker_id) DO UPDATE SET heartbeat_at = now(), details = EXCLUDED.details`,
    [workerId, HEARTBEAT_KIND, JSON.stringify(details)],
  );
}

export async function purgeNonces(pool: pg.Pool): Promise<number> {
  const bundles = await pool.query(
    '/* citus: multi-shard: housekeeping: expired nonces of every device */ DELETE FROM offline_bundle_nonces WHERE expires_at < now()',
  );
  return (bundles.rowCount ?? 0) + (await purgeExpiredNonces(pool));
}

export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** Drains the queue once (what `npm run worker -- --once` does), then heartbeats and purges. */
export async function runOnce(options: WorkerOptions): Promise<PassResult> {
  const workerId = options.workerId ?? defaultWorkerId();
  const result: PassResult = { bundles: 0, sales: 0, failed: 0 };
  const failed = new Set<string>();
  await heartbeat(options.pool, workerId, { state: 'running' });
  for (;;) {
    const next = await reconcileNext(options.pool, {
      workerId,
      ...(options.hooks ? { hooks: options.hooks } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    if (next === null) break;
    if ('failed' in next) {
      result.failed++;
      // A failing job is delayed by its backoff, so it will not come back in this pass.
      if (failed.has(next.failed)) break;
      failed.add(next.failed);
      continue;
    }
    result.bundles++;
    result.sales += next.sales;
  }
  await purgeNonces(options.pool);
  await heartbeat(options.pool, workerId, { state: 'idle', ...result });
  return result;
}

export interface RunningWorker {
  workerId: string;
  /** Finishes the bundle in hand, then stops. */
  stop(): Promise<void>;
  /** Totals since start. */
  readonly processed: PassResult;
}

/** The continuous worker, startable in-process (tests, the embedded server) or from worker/main.ts. */
export function startWorker(options: WorkerOptions): RunningWorker {
  const workerId = options.workerId ?? defaultWorkerId();
  const pollMs = options.pollIntervalMs ?? 1000;
  const purgeMs = options.purgeIntervalMs ?? 10 * 60_000;
  const processed: PassResult = { bundles: 0, sales: 0, failed: 0 };
  let stopping = false;
  const { sleep, wake } = sleeper();

  const loop = async () => {
    let lastBeat = 0;
    let lastPurge = 0;
    while (!stopping) {
      try {
        const now = Date.now();
        if (now - lastBeat >= 10_000) {
          await heartbeat(options.pool, workerId, { state: 'running', ...processed });
          lastBeat = now;
        }
        if (now - lastPurge >= purgeMs) {
          await purgeNonces(options.pool);
          lastPurge = now;
        }
        const next = await reconcileNext(options.pool, {
          workerId,
          ...(options.hooks ? { hooks: options.hooks } : {}),
          ...(options.logger ? { logger: options.logger } : {}),
        });
        if (next === null) await sleep(pollMs);
        else if ('failed' in next) processed.failed++;
        else {
          processed.bundles++;
          processed.sales += next.sales;
        }
      } catch (err) {
        options.logger?.error({ err }, 'worker loop failed; retrying');
        await sleep(Math.max(pollMs, 1000));
      }
    }
  };
  const done = loop();
  return {
    workerId,
    processed,
    stop: async () => {
      stopping = true;
      wake();
      await done;
      await options.pool
        .query('DELETE FROM worker_heartbeats WHERE worker_id = $1', [workerId])
        .catch(() => undefined);
    },
  };
}
