/**
 * Sync (issue #20, item 1): pushing SALES queued sales to the real server (PostgreSQL) with the
 * engine on RxDB's replicateRxCollection (ours) beside the hand-written loop it replaced (the peer:
 * its source at PREVIOUS, loaded from git for this run only), in the same process, alternating.
 * Each sample is a fresh enrolled terminal (RxDB memory storage) holding SALES recorded sales; the
 * clock runs from the engine's start until the server has answered for every sale. Targets are reported, never
 * asserted.
 *
 *   npm run bench -- sync        (writes bench/results/sync.json)
 * Env: BENCH_SYNC_SALES (default 500), BENCH_SYNC_RUNS (default 5 per engine).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { filter, firstValueFrom, NEVER, type Observable } from 'rxjs';
import type { SyncStatus } from '../protocol/api';
import {
  MemoryKeyStore,
  OfflineTerminal,
  SyncService,
  type SyncDeps,
} from '../packages/terminal-sdk/src/index';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { createUser } from '../server/auth/users';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/logger';
import { startServer } from '../server/main';
import { startCluster } from '../test/pg/cluster';
import { SN_POLICY_INPUT } from '../test/support/sn-policy';

const SALES = Number(process.env.BENCH_SYNC_SALES ?? 500);
const RUNS = Number(process.env.BENCH_SYNC_RUNS ?? 5);
/** The last commit with the hand-written outbox loop. */
const PREVIOUS = '2da715d';
const SYNC_DIR = resolve(import.meta.dirname, '../packages/terminal-sdk/src/sync');

interface Engine {
  start(): Promise<void>;
  kick(): void;
  stop(): void;
  readonly changes: Observable<SyncStatus>;
}
type EngineClass = new (deps: SyncDeps) => Engine;

/** What the engines need from an enrolled terminal (its private parts, read for the bench only). */
interface Inside {
  collections: SyncDeps['collections'];
  identity: Awaited<ReturnType<SyncDeps['identity']>>;
  record: SyncDeps['enrollment'];
  serverKey: () => Promise<KeyObject>;
}

interface BenchServer {
  url: string;
  /** A one-time enrollment code for a till of the bench's shop. */
  code(): Promise<string>;
}

async function post(url: string, token: string | null, body: unknown): Promise<unknown> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** The real server (server/main.ts) on a throwaway PostgreSQL cluster, with an administrator. */
async function withServer<T>(use: (server: BenchServer) => Promise<T>): Promise<T> {
  const cluster = await startCluster();
  const dataDir = await mkdtemp(join(tmpdir(), 'outpost-bench-sync-'));
  try {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE DATABASE outpost_bench_sync');
    await admin.end();
    const dbUrl = cluster.url.replace(/\/postgres$/, '/outpost_bench_sync');
    const config = loadConfig({
      PORT: '0',
      DATABASE_URL: dbUrl,
      OUTPOST_DATA_DIR: dataDir,
      OUTPOST_MASTER_SECRET: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'silent',
    });
    const server = await startServer(config, { logger: createLogger('silent'), worker: true });
    const pool = new pg.Pool({ connectionString: dbUrl, max: 2 });
    try {
      const email = 'bench@shop.test';
      const password = randomBytes(18).toString('base64url');
      await createUser(pool, { email, password, roles: ['pay_admin'] }, { type: 'system' });
      const { access_token: token } = (await post(`${server.url}/auth/sign-in`, null, {
        email,
        password,
      })) as {
        access_token: string;
      };
      await post(`${server.url}/offline/policies`, token, SN_POLICY_INPUT);
      return await use({
        url: server.url,
        code: async () =>
          (
            (await post(`${server.url}/offline/enrollment-codes`, token, {
              tenant_type: 'merchant',
              tenant_id: 'shop-bench',
              country: 'SN',
              currency_default: 'XOF',
            })) as { code: string }
          ).code,
      });
    } finally {
      await pool.end();
      await server.close();
    }
  } finally {
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function loaded(server: BenchServer): Promise<{ terminal: OfflineTerminal; deps: SyncDeps }> {
  const terminal = await OfflineTerminal.initialize({
    serverUrl: server.url,
    storage: getRxStorageMemory(),
    keyStore: new MemoryKeyStore(),
    databaseName: `b${randomUUID().replaceAll('-', '').slice(0, 20)}`,
  });
  await terminal.registerDevice(await server.code());
  for (let i = 0; i < SALES; i++)
    await terminal.createOfflineTransaction({
      lines: [{ sku: 'rice-1kg', name: 'Riz', qty: 1, unitPriceMinor: 1000, taxRateBp: 1800 }],
      cashMinor: 2000,
    });
  const inside = terminal as unknown as Inside;
  const deps: SyncDeps = {
    collections: inside.collections,
    identity: async () => inside.identity,
    enrollment: inside.record,
    enrollmentChanges: NEVER,
    reachability: { current: { state: 'online' }, changes: NEVER },
    serverUrl: () => server.url,
    serverKey: () => inside.serverKey(),
    options: { intervalMs: 0 },
  };
  return { terminal, deps };
}

async function sample(server: BenchServer, Engine: EngineClass): Promise<number> {
  const { terminal, deps } = await loaded(server);
  const engine = new Engine(deps);
  const started = performance.now();
  await engine.start();
  // The old loop starts on a trigger; RxDB's replication pushes the unacknowledged sales by itself.
  engine.kick();
  await firstValueFrom(engine.changes.pipe(filter((s) => answered(s) === SALES)));
  const ms = performance.now() - started;
  engine.stop();
  await terminal.close();
  return ms;
}

/** Sales the server has answered for (accepted, held for review, quarantined, …). */
const answered = (s: SyncStatus) =>
  s.counts.accepted + s.counts.review + s.counts.quarantined + s.counts.reconciled + s.counts.rejected;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<Record<string, unknown>> {
  const previousFile = join(SYNC_DIR, `previous-sync-service.bench-${process.pid}.ts`);
  writeFileSync(
    previousFile,
    execFileSync('git', ['show', `${PREVIOUS}:packages/terminal-sdk/src/sync/sync-service.ts`], {
      encoding: 'utf8',
    }),
  );
  try {
    return await withServer(async (server) => {
      const previous = (await import(pathToFileURL(previousFile).href)) as { SyncService: EngineClass };
      const ours: number[] = [];
      const peer: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        ours.push(await sample(server, SyncService));
        peer.push(await sample(server, previous.SyncService));
      }
      const figures = {
        sales: SALES,
        runs: RUNS,
        peer: `the hand-written outbox loop at ${PREVIOUS}`,
        ours_ms: ours.map(Math.round),
        peer_ms: peer.map(Math.round),
        ours_median_ms: Math.round(median(ours)),
        peer_median_ms: Math.round(median(peer)),
        ratio_ours_over_peer: Number((median(ours) / median(peer)).toFixed(2)),
      };
      console.log(
        `push of ${SALES} queued sales, median of ${RUNS}: replicateRxCollection ${figures.ours_median_ms} ms, ` +
          `old loop ${figures.peer_median_ms} ms, ratio ${figures.ratio_ours_over_peer}`,
      );
      return figures;
    });
  } finally {
    rmSync(previousFile, { force: true });
  }
}
