/**
 * Fleet benchmark (issue #23 item 6): 1,000 simulated terminals push to 1, then 2, server processes
 * (`server/main.ts`, each a process of its own on one real PostgreSQL), beside raw PostgreSQL doing
 * the same inserts in the same run. Targets (reported, never asserted): p99 push < 250 ms at 1,000
 * terminals; 2 servers ≥ 1.7× the accepted throughput of one while the database is not saturated.
 *
 * The terminals: 70 % online tills pushing one sale at a time, 30 % offline tills pushing bundles
 * of BENCH_FLEET_OFFLINE_SALES. Each round measures, for 1 and for 2 servers:
 *   paced       every terminal pushes once at a random moment of BENCH_FLEET_WINDOW_MS (tills
 *               syncing every few seconds, out of step): p99 latency at that offered load;
 *   saturated   BENCH_FLEET_CONCURRENCY terminals at a time push back to back: accepted throughput;
 * then raw: the saturated phase's rows (bundle row, then its sales as the push's own statement
 * inserts them) over as many connections as one server holds, the same concurrency, nothing else.
 * With 2 servers, terminal i talks to server i mod 2 (client-side round robin: a proxy would be a
 * third process on the same 2 cores).
 *
 * Fairness: every bundle is built, sealed, signed and serialised before any clock starts, and the
 * terminals' HTTP client runs in a child process whose CPU is reported (it shares the machine).
 * Warm-up pushes reach both servers first, untimed. CPU of each process per phase, PostgreSQL's
 * (every backend) and the machine's busy share say where the cores went.
 *
 *   npm run bench -- fleet          writes bench/results/fleet.json
 * Env: BENCH_FLEET_TERMINALS (1000), BENCH_FLEET_ROUNDS (3), BENCH_FLEET_OFFLINE_SALES (20),
 *      BENCH_FLEET_WINDOW_MS (5000), BENCH_FLEET_CONCURRENCY (100).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { saleHash, type BundleEnvelope, type Sale } from '../protocol/bundle';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/logger';
import { startServer } from '../server/main';
import { TRANSACTION_COLUMNS, transactionArrays, transactionUnnest } from '../server/payments/store';
import { enrollTerminal, type Terminal } from '../server/payments/test-support';
import { benchShop } from './support/bench-admin';
import { startCluster } from '../test/pg/cluster';
import { serveJobs, type Job, type JobResult, type Push } from './support/fleet-client';
import { sampleDbWaits, type DbWaits } from './support/db-waits';
import { ProcessCpu, type CpuLap } from './support/process-cpu';

const TERMINALS = Number(process.env.BENCH_FLEET_TERMINALS ?? 1000);
const ROUNDS = Number(process.env.BENCH_FLEET_ROUNDS ?? 3);
const OFFLINE_SALES = Number(process.env.BENCH_FLEET_OFFLINE_SALES ?? 20);
const WINDOW_MS = Number(process.env.BENCH_FLEET_WINDOW_MS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_FLEET_CONCURRENCY ?? 100);
/** server/db/pool.ts's default: what one server process holds, and what raw gets. */
const SERVER_POOL_MAX = 10;
const P99_TARGET_MS = 250;
const SCALE_TARGET = 1.7;
const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(import.meta.dirname, '..');

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** `npm run server` as a process of its own, the way a deployment runs it; resolves once it listens. */
async function serverProcess(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((done, fail) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) done(match[1]!);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => fail(new Error(`server exited with ${code}:\n${output}`)));
  });
  // Drained and dropped from now on: the bench reads nothing more of it.
  child.stdout.removeAllListeners('data').resume();
  child.stderr.removeAllListeners('data').resume();
  return { url, child };
}

interface Built {
  envelope: BundleEnvelope;
  sales: Sale[];
  body: string;
}

interface PhaseFigures {
  pushes: number;
  accepted_pushes: number;
  accepted_sales: number;
  seconds: number;
  accepted_pushes_per_s: number;
  accepted_sales_per_s: number;
  latency_ms: { p50: number; p99: number; max: number };
  outcomes: Record<string, number>;
  cpu: CpuLap;
  /** Absent for raw, whose own client would be the sampler's competitor. */
  db?: DbWaits;
}

export async function run(): Promise<Record<string, unknown>> {
  const cluster = await startCluster();
  const dataDir = await mkdtemp(join(tmpdir(), 'outpost-bench-fleet-'));
  const children: ChildProcess[] = [];
  try {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE outpost_fleet');
    await admin.end();
    const dbUrl = cluster.url.replace(/\/postgres$/, '/outpost_fleet');
    const env = {
      DATABASE_URL: dbUrl,
      OUTPOST_DATA_DIR: dataDir,
      OUTPOST_MASTER_SECRET: randomBytes(32).toString('base64'),
    };
    // This one migrates and makes the server keys, and serves the setup (users, policy, terminals).
    const setup = await startServer(loadConfig({ ...env, PORT: '0', LOG_LEVEL: 'silent' }), {
      logger: createLogger('silent'),
      worker: false,
    });
    const pool = new pg.Pool({ connectionString: dbUrl, max: 4 });
    // cluster.stop() ends idle connections before pool.end() may have run (a failed run).
    pool.on('error', () => undefined);
    try {
      const servers = await Promise.all([serverProcess(env), serverProcess(env)]);
      children.push(...servers.map((s) => s.child));
      return await measure(
        setup.url,
        servers.map((s) => ({ url: s.url, pid: s.child.pid! })),
        pool,
        dbUrl,
      );
    } finally {
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(children.map((c) => (c.exitCode === null ? once(c, 'exit') : undefined)));
      await pool.end();
      await setup.close().catch((err: unknown) => console.error('setup server close failed:', err));
    }
  } finally {
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function measure(
  setupUrl: string,
  servers: { url: string; pid: number }[],
  pool: pg.Pool,
  dbUrl: string,
): Promise<Record<string, unknown>> {
  const { token, server } = await benchShop(setupUrl, pool, 'fleet@example.com');

  // Enough that every server has opened its whole pool and compiled its hot paths (with 20 the
  // first timed phase of every run was 5–40× slower than the same phase in later rounds).
  const WARM = 100;
  console.log(`Enrolling ${TERMINALS} + ${WARM} terminals…`);
  const enroll = async (n: number) => {
    const out: Terminal[] = [];
    for (let i = 0; i < n; i += 10)
      out.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(10, n - i) }, () => enrollTerminal(server, token)),
        )),
      );
    return out;
  };
  const terminals = await enroll(TERMINALS);
  const warmTerminals = await enroll(WARM);

  // Every push of the run, built now: per terminal, per round, 1 server paced and saturated, then
  // 2 servers paced and saturated, in chain order, a minute apart, all in the past.
  const PER_ROUND = 4;
  const pushes = ROUNDS * PER_ROUND;
  const isOffline = (i: number) => i % 10 >= 7;
  console.log(`Building ${TERMINALS * pushes} bundles (30 % of ${OFFLINE_SALES} sales, 70 % of 1)…`);
  const now = Date.now();
  const build = async (t: Terminal, offline: boolean, k: number, of: number): Promise<Built> => {
    const end = now - (of - k) * 60_000;
    const sales = offline
      ? t.sales(OFFLINE_SALES, { tender: k % 2 ? 'card' : 'cash' }, 1000, end)
      : [t.sale({ online: true, createdAt: new Date(end) })];
    const envelope = await t.bundle(sales);
    return { envelope, sales, body: JSON.stringify(envelope) };
  };
  const built: Built[][] = [];
  for (const [i, t] of terminals.entries()) {
    const lane: Built[] = [];
    for (let k = 0; k < pushes; k++) lane.push(await build(t, isOffline(i), k, pushes));
    built.push(lane);
  }
  const warm: Push[][] = [];
  for (const [i, t] of warmTerminals.entries()) {
    const lane: Push[] = [];
    for (let k = 0; k < 2 * servers.length; k++) {
      const b = await build(t, isOffline(i), k, 2 * servers.length);
      lane.push({ url: servers[k % servers.length]!.url, body: b.body, sales: b.sales.length });
    }
    warm.push(lane);
  }

  const cpu = new ProcessCpu();
  const backend = await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  cpu.watchPostgres(backend.rows[0]!.pid);
  servers.forEach((s, i) => cpu.watch(`server_${i + 1}`, s.pid));
  const client = fork(SELF, ['--fleet-client'], { serialization: 'advanced' });
  cpu.watch('terminals_client', client.pid!);
  const runJob = async (job: Job): Promise<JobResult> => {
    const answer = once(client, 'message') as Promise<[JobResult]>;
    client.send(job);
    return (await answer)[0];
  };

  try {
    const warmed = await runJob({ kind: 'saturated', lanes: warm, concurrency: WARM });
    if (warmed.acceptedPushes !== warm.flat().length)
      throw new Error(`warm-up pushes were not all accepted: ${JSON.stringify(warmed.outcomes)}`);
    // A database in service has statistics on its tables; this one was filled a minute ago and
    // autovacuum may not have analysed it yet. (The first round is still often the slowest.)
    await pool.query('ANALYZE');

    const phase = async (job: Job): Promise<PhaseFigures> => {
      cpu.lap();
      const sampler = sampleDbWaits(pool);
      const r = await runJob(job);
      const lap = cpu.lap();
      const db = await sampler.stop();
      const sorted = [...r.latencies].sort((a, b) => a - b);
      return {
        pushes: job.lanes.flat().length,
        accepted_pushes: r.acceptedPushes,
        accepted_sales: r.acceptedSales,
        seconds: round(r.seconds, 2),
        accepted_pushes_per_s: round(r.acceptedPushes / r.seconds),
        accepted_sales_per_s: round(r.acceptedSales / r.seconds),
        latency_ms: {
          p50: round(percentile(sorted, 50)),
          p99: round(percentile(sorted, 99)),
          max: round(sorted.at(-1) ?? 0),
        },
        outcomes: r.outcomes,
        cpu: lap,
        db,
      };
    };
    const lanesFor = (k: number, serverCount: number): Push[][] =>
      built.map((lane, i) => [
        { url: servers[i % serverCount]!.url, body: lane[k]!.body, sales: lane[k]!.sales.length },
      ]);

    const rawPool = new pg.Pool({ connectionString: dbUrl, max: SERVER_POOL_MAX });
    const shadow = terminals.map((t) => `${t.id}-raw`);
    await pool.query(
      `INSERT INTO offline_devices (device_id, enrolled_via, pubkey_pem, x25519_pub, country)
       SELECT d, 'admin', 'x', 'x', 'SN' FROM unnest($1::text[]) AS d`,
      [shadow],
    );
    const rounds: {
      one: Record<string, PhaseFigures>;
      two: Record<string, PhaseFigures>;
      raw: PhaseFigures;
    }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const k = r * PER_ROUND;
      console.log(`Round ${r + 1}/${ROUNDS}: 1 server…`);
      const one = {
        paced: await phase({ kind: 'paced', lanes: lanesFor(k, 1), windowMs: WINDOW_MS }),
        saturated: await phase({ kind: 'saturated', lanes: lanesFor(k + 1, 1), concurrency: CONCURRENCY }),
      };
      console.log(`Round ${r + 1}/${ROUNDS}: 2 servers…`);
      const two = {
        paced: await phase({ kind: 'paced', lanes: lanesFor(k + 2, 2), windowMs: WINDOW_MS }),
        saturated: await phase({ kind: 'saturated', lanes: lanesFor(k + 3, 2), concurrency: CONCURRENCY }),
      };
      console.log(`Round ${r + 1}/${ROUNDS}: raw PostgreSQL…`);
      const raw = await rawPhase(
        cpu,
        rawPool,
        built.map((lane, i) => ({ ...lane[k + 1]!, device: shadow[i]! })),
      );
      rounds.push({ one, two, raw });
    }
    await rawPool.end();

    // Sanity: every push the terminals were told was accepted is in the database (a push that
    // timed out or was held may be stored too: the outcomes show those).
    const phases = rounds.flatMap((r) => [r.one.paced!, r.one.saturated!, r.two.paced!, r.two.saturated!]);
    const accepted = warmed.acceptedPushes + phases.reduce((a, p) => a + p.accepted_pushes, 0);
    const stored = await pool.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM offline_tx_bundles WHERE device_id NOT LIKE $1',
      ['%-raw'],
    );
    if (Number(stored.rows[0]!.n) < accepted)
      throw new Error(`${accepted} pushes accepted but only ${stored.rows[0]!.n} bundles stored`);
    const otherOutcomes: Record<string, number> = {};
    for (const p of phases)
      for (const [k, n] of Object.entries(p.outcomes))
        if (k !== 'accepted') otherOutcomes[k] = (otherOutcomes[k] ?? 0) + n;

    return {
      ...summarise(rounds),
      pushes_accepted: accepted,
      bundles_stored: Number(stored.rows[0]!.n),
      other_outcomes: otherOutcomes,
    };
  } finally {
    client.disconnect();
  }
}

/** The limit: the same rows the servers stored, plain INSERTs, as many connections as one server. */
async function rawPhase(
  cpu: ProcessCpu,
  rawPool: pg.Pool,
  rows: (Built & { device: string })[],
): Promise<PhaseFigures> {
  // Fresh ids and hashes, made before the clock starts: the limit is the INSERTs alone.
  const prepared = rows.map((b) => {
    const sales = b.sales.map((s) => ({ ...s, sale_id: randomUUID(), device_id: b.device }));
    return { ...b, sales, hashes: sales.map(saleHash), bundleId: randomUUID() };
  });
  const latencies: number[] = [];
  let sales = 0;
  cpu.lap();
  const start = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < prepared.length) {
        const b = prepared[next++]!;
        const t0 = performance.now();
        const client = await rawPool.connect();
        try {
          await client.query('BEGIN');
          await client.query(
            `INSERT INTO offline_tx_bundles (bundle_id, device_id, signature, nonce, server_key_id, seq_from, seq_to,
               prev_chain_head, chain_head, device_clock, status, sira_score, reasons, tx_count, totals, push_answer)
             VALUES ($1, $2, $3, $4, 'k', $5, $6, $7, $8, $9, 'accepted', 0, '[]', $10, '[]', '{}')`,
            [
              b.bundleId,
              b.device,
              b.envelope.signature,
              b.envelope.nonce,
              b.envelope.seq_from,
              b.envelope.seq_to,
              b.sales[0]!.prev_hash,
              b.envelope.chain_head,
              b.envelope.device_clock,
              b.sales.length,
            ],
          );
          await client.query(
            `INSERT INTO offline_transactions (bundle_id, device_id, status, ${TRANSACTION_COLUMNS})
             SELECT $1, $2, 'pending', u.* FROM ${transactionUnnest(3)} AS u`,
            [b.bundleId, b.device, ...transactionArrays(b.sales, b.hashes, new Set())],
          );
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        } finally {
          client.release();
        }
        latencies.push(performance.now() - t0);
        sales += b.sales.length;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const lap = cpu.lap();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    pushes: prepared.length,
    accepted_pushes: prepared.length,
    accepted_sales: sales,
    seconds: round(seconds, 2),
    accepted_pushes_per_s: round(prepared.length / seconds),
    accepted_sales_per_s: round(sales / seconds),
    latency_ms: {
      p50: round(percentile(sorted, 50)),
      p99: round(percentile(sorted, 99)),
      max: round(sorted.at(-1) ?? 0),
    },
    outcomes: { inserted: prepared.length },
    cpu: lap,
  };
}

function summarise(
  rounds: { one: Record<string, PhaseFigures>; two: Record<string, PhaseFigures>; raw: PhaseFigures }[],
): Record<string, unknown> {
  const m = (f: (r: (typeof rounds)[number]) => number) => round(median(rounds.map(f)));
  const ratio = (f: (r: (typeof rounds)[number]) => number) => round(median(rounds.map(f)), 3);
  const medians = {
    one_server: {
      paced_p99_ms: m((r) => r.one.paced!.latency_ms.p99),
      paced_p50_ms: m((r) => r.one.paced!.latency_ms.p50),
      saturated_pushes_per_s: m((r) => r.one.saturated!.accepted_pushes_per_s),
      saturated_sales_per_s: m((r) => r.one.saturated!.accepted_sales_per_s),
      saturated_p99_ms: m((r) => r.one.saturated!.latency_ms.p99),
    },
    two_servers: {
      paced_p99_ms: m((r) => r.two.paced!.latency_ms.p99),
      paced_p50_ms: m((r) => r.two.paced!.latency_ms.p50),
      saturated_pushes_per_s: m((r) => r.two.saturated!.accepted_pushes_per_s),
      saturated_sales_per_s: m((r) => r.two.saturated!.accepted_sales_per_s),
      saturated_p99_ms: m((r) => r.two.saturated!.latency_ms.p99),
    },
    raw: {
      pushes_per_s: m((r) => r.raw.accepted_pushes_per_s),
      sales_per_s: m((r) => r.raw.accepted_sales_per_s),
    },
  };
  const ratios = {
    two_vs_one_accepted: ratio(
      (r) => r.two.saturated!.accepted_pushes_per_s / r.one.saturated!.accepted_pushes_per_s,
    ),
    one_vs_raw: ratio((r) => r.one.saturated!.accepted_pushes_per_s / r.raw.accepted_pushes_per_s),
    two_vs_raw: ratio((r) => r.two.saturated!.accepted_pushes_per_s / r.raw.accepted_pushes_per_s),
    scale_target: SCALE_TARGET,
    p99_target_ms: P99_TARGET_MS,
  };
  const row = (name: string, value: string, note = '') =>
    `  ${name.padEnd(40)}${value.padStart(12)}  ${note}`;
  const cpuLine = (p: PhaseFigures) =>
    `${Object.entries(p.cpu.processes)
      .map(([k, v]) => `${k} ${v}`)
      .join(
        ', ',
      )}, postgres ${p.cpu.postgres} (CPU s over ${p.seconds} s: ${p.cpu.cores_used} cores; machine busy ${Math.round(p.cpu.machine_busy * 100)} %)`;
  const dbLine = (p: PhaseFigures) =>
    p.db
      ? `${p.db.active} backends busy on average, waiting: ${Object.entries(p.db.waiting)
          .slice(0, 4)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}; ${p.db.idle_in_transaction} idle in transaction`
      : '';
  console.log(
    [
      '',
      `Fleet — ${TERMINALS} terminals (70 % online, 1 sale a push; 30 % offline, ${OFFLINE_SALES} a push), medians of ${rounds.length} rounds`,
      row(
        '1 server: paced p99 (ms)',
        String(medians.one_server.paced_p99_ms),
        medians.one_server.paced_p99_ms < P99_TARGET_MS ? '(meets < 250)' : '(above 250)',
      ),
      row(
        '2 servers: paced p99 (ms)',
        String(medians.two_servers.paced_p99_ms),
        medians.two_servers.paced_p99_ms < P99_TARGET_MS ? '(meets < 250)' : '(above 250)',
      ),
      row('1 server: saturated (pushes/s)', String(medians.one_server.saturated_pushes_per_s)),
      row('2 servers: saturated (pushes/s)', String(medians.two_servers.saturated_pushes_per_s)),
      row('raw PostgreSQL (pushes/s)', String(medians.raw.pushes_per_s)),
      row(
        '2 vs 1 server (accepted)',
        `${ratios.two_vs_one_accepted}×`,
        ratios.two_vs_one_accepted >= SCALE_TARGET ? '(meets ≥ 1.7×)' : '(below 1.7×)',
      ),
      row('1 server vs raw', `${ratios.one_vs_raw}×`),
      row('2 servers vs raw', `${ratios.two_vs_raw}×`),
      '',
      ...rounds.flatMap((r, i) => [
        `  round ${i + 1}`,
        `    1 server saturated:  ${cpuLine(r.one.saturated!)}`,
        `      database: ${dbLine(r.one.saturated!)}`,
        `    2 servers saturated: ${cpuLine(r.two.saturated!)}`,
        `      database: ${dbLine(r.two.saturated!)}`,
        `    raw:                 ${cpuLine(r.raw)}`,
      ]),
    ].join('\n'),
  );
  return {
    terminals: TERMINALS,
    online_share: 0.7,
    offline_sales_per_push: OFFLINE_SALES,
    paced_window_ms: WINDOW_MS,
    saturated_concurrency: CONCURRENCY,
    server_pool_max: SERVER_POOL_MAX,
    medians,
    ratios,
    rounds,
  };
}

if (process.argv.includes('--fleet-client')) serveJobs();
