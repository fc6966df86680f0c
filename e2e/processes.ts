import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { KeytarKeyStore } from '../native/keystore';
import { anchorAccount } from '../src-main/core/trust/rollback-anchor';

export const ROOT = resolve(import.meta.dirname, '..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

export interface Running {
  url: string;
  /** The server's database, for the command-line tools a deployer would run against it. */
  databaseUrl?: string;
  /** The server's OUTPOST_DATA_DIR: its master key and materials, which the worker needs too. */
  dataDir?: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/**
 * Starts one of our commands the way a user does and waits for the line that says it is ready.
 * `ownProcess`: run it as `node --import tsx`, the same loader in the very process we hold. tsx's
 * CLI runs the script in a child of its own and relays only the signals it can catch, so a SIGKILL
 * (test/integration/server-kill.integration.test.ts) would kill the wrapper and leave the command
 * running.
 */
async function launch(
  script: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  ownProcess = false,
): Promise<Running> {
  const [command, args] = ownProcess ? [process.execPath, ['--import', 'tsx', script]] : [TSX, [script]];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = ready.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  });
  // A process that dies mid-story prints nothing when a signal kills it: say so in what failing
  // tests attach (a host gone silently broke a journey once and left no trace).
  child.once('exit', (code, signal) => (output += `\n[${script} exited: code ${code}, signal ${signal}]\n`));
  return {
    url,
    process: child,
    output: () => output,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

export const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), `outpost-e2e-${prefix}-`));

/** A fresh database on the run's PostgreSQL, so each test sees a server of its own. */
export async function freshDatabaseUrl(): Promise<string> {
  const base = process.env.OUTPOST_TEST_PG_URL;
  if (!base)
    throw new Error('OUTPOST_TEST_PG_URL is not set: e2e/global-setup.ts should have started PostgreSQL');
  const name = `e2e_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function startServer(env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const databaseUrl = env.DATABASE_URL ?? (await freshDatabaseUrl());
  const dataDir = env.OUTPOST_DATA_DIR ?? (await tempDir('server'));
  const running = await launch(
    'server/main.ts',
    { PORT: '0', ...env, OUTPOST_DATA_DIR: dataDir, DATABASE_URL: databaseUrl },
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    true,
  );
  return { ...running, databaseUrl, dataDir };
}

/** `npm run admin:create`, as IT does on a new server; returns a signed-in access token. */
export async function createAdmin(server: Running, roles = 'pay_admin,ops'): Promise<string> {
  const { email, password } = await createAccount(server, roles, 'admin');
  const signedIn = await fetch(`${server.url}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!signedIn.ok) throw new Error(`sign-in failed: ${signedIn.status} ${await signedIn.text()}`);
  return ((await signedIn.json()) as { access_token: string }).access_token;
}

/** An account made with `npm run admin:create` (a student has the role `student`): its email and password. */
export async function createAccount(
  server: Running,
  roles: string,
  prefix = 'user',
): Promise<{ email: string; password: string }> {
  const email = `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@outpost.test`;
  const password = `e2e ${prefix} password`;
  await new Promise<void>((resolveRun, reject) => {
    const child = spawn(TSX, ['server/auth/admin-cli.ts', '--email', email, '--roles', roles], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: server.databaseUrl,
        OUTPOST_ADMIN_PASSWORD: password,
        // The server's master secret keys the user.created audit row (server/audit/key.ts).
        ...(server.dataDir ? { OUTPOST_DATA_DIR: server.dataDir } : {}),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolveRun() : reject(new Error(`admin:create failed: ${errors}`)),
    );
  });
  return { email, password };
}

export async function adminPost(
  server: Running,
  token: string,
  path: string,
  body: unknown,
): Promise<unknown> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path} failed: ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Every app this run starts shares the test session's one keyring (service `outpost`). On one
 * machine a new, empty store beside the anchor an earlier app left there is a deleted data directory
 * and starts rolled back (src-main/core/trust/rollback-anchor.ts), so an app on a new data directory
 * is a new machine: its keychain holds no anchor yet.
 */
export async function newMachine(): Promise<void> {
  // Without a Secret Service the app keeps no anchor either: nothing to forget.
  await new KeytarKeyStore().delete(anchorAccount('outpost')).catch(() => false);
}

/**
 * The app on the browser host, in a process of its own (so that a SIGKILL kills the core itself, as
 * a crash would); `dataDir` is its OUTPOST_DATA_DIR, for starting it again on the same store.
 */
export async function startWebHost(env: NodeJS.ProcessEnv): Promise<Running> {
  if (!env.OUTPOST_DATA_DIR) await newMachine();
  const dataDir = env.OUTPOST_DATA_DIR ?? (await tempDir('app'));
  const running = await launch(
    'src-main/host/main.ts',
    // A till notices a server going away within seconds (its idle probes back off to 60 s otherwise).
    { OUTPOST_PROBE_IDLE_MAX_MS: '5000', ...env, OUTPOST_DATA_DIR: dataDir },
    /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/,
    true,
  );
  return { ...running, dataDir };
}

/**
 * `npm run worker` against a server's PostgreSQL and data directory, running until stopped: it
 * encrypts uploads as they arrive, as a real deployment's worker does.
 */
export function startWorker(server: Running): Promise<Running> {
  if (!server.databaseUrl) throw new Error('the worker needs the server’s DATABASE_URL');
  return launch(
    'server/worker/main.ts',
    { DATABASE_URL: server.databaseUrl, ...(server.dataDir ? { OUTPOST_DATA_DIR: server.dataDir } : {}) },
    /"workerId":"([^"]+)"/,
    true,
  );
}

/**
 * `npm run worker -- --once` against a server's PostgreSQL and data directory: one reconciliation
 * pass and one material encryption pass, then exit.
 */
export async function runWorkerOnce(server: Running): Promise<void> {
  if (!server.databaseUrl) throw new Error('the worker needs the server’s DATABASE_URL');
  await new Promise<void>((done, reject) => {
    const child = spawn(TSX, ['server/worker/main.ts', '--once'], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: server.databaseUrl,
        ...(server.dataDir ? { OUTPOST_DATA_DIR: server.dataDir } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 ? done() : reject(new Error(`worker --once failed (${code}): ${output}`)),
    );
  });
}

/**
 * A teacher's material, ready for students: uploads `bytes` (POST /api/v1/offline/materials), grants
 * it to `grantTo` (emails), runs the worker once to encrypt it, and checks its job is done.
 * `teacherToken`: e.g. `await createAdmin(server, 'teacher')`.
 */
export async function seedMaterial(
  server: Running,
  teacherToken: string,
  bytes: Uint8Array,
  options: { contentType?: string; title?: string; grantTo?: string[] } = {},
): Promise<{ material_id: string; job_id: string }> {
  const auth = { authorization: `Bearer ${teacherToken}` };
  const up = await fetch(
    `${server.url}/api/v1/offline/materials?title=${encodeURIComponent(options.title ?? 'Material')}`,
    {
      method: 'POST',
      headers: { ...auth, 'content-type': options.contentType ?? 'application/pdf' },
      body: bytes,
    },
  );
  if (up.status !== 202) throw new Error(`upload failed: ${up.status} ${await up.text()}`);
  const { material, job_id } = (await up.json()) as { material: { material_id: string }; job_id: string };
  if (options.grantTo?.length)
    await adminPost(server, teacherToken, `/api/v1/offline/materials/${material.material_id}/grants`, {
      emails: options.grantTo,
    });
  await runWorkerOnce(server);
  const job = await fetch(`${server.url}/api/v1/offline/jobs/${job_id}`, { headers: auth });
  const status = ((await job.json()) as { status?: string }).status;
  if (status !== 'done') throw new Error(`encryption job ${job_id} is ${status}`);
  return { material_id: material.material_id, job_id };
}
