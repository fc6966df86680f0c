/**
 * Job queues (issue #23, item 4): what a claim costs with our SQL queue, pg-boss 10 and
 * graphile-worker 0.16, on real PostgreSQL and on the embedded database (PGlite, what `npm start`
 * runs), in the same run. Each engine gets the same no-op jobs, spread over DEVICES devices, claimed
 * and completed by WORKERS concurrent loops; we report jobs/s (claimed + completed) and whether it
 * ran at all. Targets are reported, never asserted.
 *
 *   npm run bench -- jobs        (writes bench/results/jobs.json)
 * Env: BENCH_JOBS (default 2000 on PostgreSQL, a quarter of it on PGlite), BENCH_JOBS_WORKERS (4),
 * BENCH_JOBS_DEVICES (50), BENCH_JOBS_TIMEOUT_S (120, per engine and database).
 *
 * Ours is the real reconciliation worker (reconcileNext) on the real queue: each job's bundle is
 * already reconciled, so a job is the claim (offline_reconcile_claim: a read of devices with work,
 * then a claim naming one device, SKIP LOCKED) and the dequeue with its COMMIT. pg-boss and
 * graphile-worker are devDependencies for this comparison only (docs/scaling.md).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedDatabase, EMBEDDED_POOL_MAX } from '../server/db/embedded';
import { migrate } from '../server/db/migrate';
import { createPool } from '../server/db/pool';
import { reconcileNext } from '../server/worker/reconcile';
import { startCluster } from '../test/pg/cluster';

const WORKERS = Number(process.env.BENCH_JOBS_WORKERS ?? 4);
const DEVICES = Number(process.env.BENCH_JOBS_DEVICES ?? 50);
const TIMEOUT_MS = Number(process.env.BENCH_JOBS_TIMEOUT_S ?? 120) * 1000;
const jobsFor = (db: Database) => Number(process.env.BENCH_JOBS ?? 2000) / (db === 'pglite' ? 4 : 1);

type Database = 'postgresql' | 'pglite';
interface Figure {
  engine: string;
  database: Database;
  ran: boolean;
  jobs?: number;
  seconds?: number;
  jobs_per_s?: number;
  error?: string;
}

/** Runs `work` (which resolves with the jobs it completed) against a deadline. */
async function timed(
  engine: string,
  database: Database,
  jobs: number,
  work: () => Promise<number>,
): Promise<Figure> {
  const started = process.hrtime.bigint();
  let timer: NodeJS.Timeout | undefined;
  try {
    const done = await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not done after ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      }),
    ]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (done !== jobs) throw new Error(`completed ${done} of ${jobs} jobs`);
    return {
      engine,
      database,
      ran: true,
      jobs,
      seconds: Number(seconds.toFixed(3)),
      jobs_per_s: Math.round(jobs / seconds),
    };
  } catch (err) {
    return { engine, database, ran: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

const loops = async (n: number, loop: () => Promise<number>) =>
  (await Promise.all(Array.from({ length: n }, loop))).reduce((a, b) => a + b, 0);

/** Our queue: `jobs` reconciled bundles of DEVICES devices, queued; WORKERS loops of reconcileNext. */
async function ours(pool: pg.Pool, database: Database): Promise<Figure> {
  const jobs = jobsFor(database);
  await migrate(pool);
  const devices = Array.from({ length: DEVICES }, () => `BENCH-${randomUUID().slice(0, 8)}`);
  await pool.query(
    `INSERT INTO offline_devices (device_id, tenant_type, tenant_id, enrolled_via, pubkey_pem, x25519_pub)
     SELECT d, 'merchant', 'bench', 'admin', 'pem', 'x' FROM unnest($1::text[]) d`,
    [devices],
  );
  await pool.query(
    `WITH b AS (
       INSERT INTO offline_tx_bundles (bundle_id, device_id, signature, nonce, server_key_id, seq_from, seq_to,
         prev_chain_head, chain_head, device_clock, status, sira_score, tx_count, push_answer)
       SELECT gen_random_uuid(), ($1::text[])[1 + i % cardinality($1::text[])], 's', 'n' || i, 'k', i, i,
         'p', 'h', now(), 'reconciled', 0, 1, '{}'
       FROM generate_series(1, $2::int) i RETURNING bundle_id, device_id)
     INSERT INTO offline_reconciliation_queue (device_id, bundle_id) SELECT device_id, bundle_id FROM b`,
    [devices, jobs],
  );
  return timed('ours (SQL queue, claim by device)', database, jobs, () =>
    loops(WORKERS, async () => {
      let done = 0;
      while ((await reconcileNext(pool, { workerId: 'bench' })) !== null) done++;
      return done;
    }),
  );
}

/** pg-boss 10 through our pool (its `db` option), one job per fetch as our workers take them. */
async function pgBoss(pool: pg.Pool, database: Database): Promise<Figure> {
  const jobs = jobsFor(database);
  const { default: PgBoss } = await import('pg-boss');
  const boss = new PgBoss({
    db: { executeSql: (text: string, values: unknown[]) => pool.query(text, values) },
    schedule: false,
    supervise: false,
  });
  boss.on('error', () => undefined);
  try {
    await boss.start();
    await boss.createQueue('bench');
    for (let i = 0; i < jobs; i += 500)
      await boss.insert(
        Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({
          name: 'bench',
          data: { device: `D${(i + k) % DEVICES}` },
        })),
      );
    return await timed('pg-boss 10.4.2', database, jobs, () =>
      loops(WORKERS, async () => {
        let done = 0;
        for (;;) {
          const [job] = await boss.fetch('bench');
          if (!job) return done;
          await boss.complete('bench', job.id);
          done++;
        }
      }),
    );
  } catch (err) {
    return { engine: 'pg-boss 10.4.2', database, ran: false, error: (err as Error).message };
  } finally {
    await boss.stop({ graceful: false, wait: false }).catch(() => undefined);
  }
}

/** graphile-worker 0.16 on our pool: its runner with WORKERS concurrency and a no-op task. */
async function graphileWorker(pool: pg.Pool, database: Database): Promise<Figure> {
  const jobs = jobsFor(database);
  const { Logger, makeWorkerUtils, run } = await import('graphile-worker');
  // Silent, as the other engines are: a line per job would be measured too.
  const logger = new Logger(() => () => undefined);
  try {
    const utils = await makeWorkerUtils({ pgPool: pool, logger });
    await utils.migrate();
    await utils.release();
    await pool.query(
      `SELECT graphile_worker.add_job('noop', json_build_object('device', 'D' || (i % $2::int)))
       FROM generate_series(1, $1::int) i`,
      [jobs, DEVICES],
    );
    let done = 0;
    let finish!: () => void;
    const all = new Promise<void>((resolve) => (finish = resolve));
    const runner = await run({
      pgPool: pool,
      logger,
      concurrency: WORKERS,
      noHandleSignals: true,
      pollInterval: 100,
      taskList: {
        noop: async () => {
          if (++done === jobs) finish();
        },
      },
    });
    try {
      return await timed('graphile-worker 0.16.6', database, jobs, async () => {
        await all;
        return done;
      });
    } finally {
      await runner.stop().catch(() => undefined);
    }
  } catch (err) {
    return { engine: 'graphile-worker 0.16.6', database, ran: false, error: (err as Error).message };
  }
}

const ENGINES = [ours, pgBoss, graphileWorker];

export async function run(): Promise<Record<string, unknown>> {
  const figures: Figure[] = [];
  const cluster = await startCluster();
  try {
    for (const [i, engine] of ENGINES.entries()) {
      // A database of its own per engine, so no engine's tables or leftovers slow another.
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      await admin.query(`CREATE DATABASE bench_jobs_${i}`);
      await admin.end();
      const url = new URL(cluster.url);
      url.pathname = `/bench_jobs_${i}`;
      const pool = createPool(url.toString(), { max: WORKERS + 4 });
      try {
        figures.push(await engine(pool, 'postgresql'));
      } finally {
        await pool.end();
      }
      console.log(figures.at(-1));
    }
  } finally {
    await cluster.stop();
  }
  for (const engine of ENGINES) {
    const dir = await mkdtemp(join(tmpdir(), 'outpost-bench-jobs-'));
    const embedded = await startEmbeddedDatabase(join(dir, 'db'));
    const pool = createPool(embedded, { max: EMBEDDED_POOL_MAX });
    try {
      figures.push(await engine(pool, 'pglite'));
    } finally {
      await pool.end().catch(() => undefined);
      await embedded.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    }
    console.log(figures.at(-1));
  }
  const ours = (db: Database) => figures.find((f) => f.database === db && f.engine.startsWith('ours'));
  return {
    workers: WORKERS,
    devices: DEVICES,
    figures: figures.map((f) => ({
      ...f,
      ...(f.jobs_per_s !== undefined && ours(f.database)?.jobs_per_s
        ? { vs_ours: Number((f.jobs_per_s / ours(f.database)!.jobs_per_s!).toFixed(2)) }
        : {}),
    })),
  };
}
