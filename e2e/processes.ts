import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

export const ROOT = resolve(import.meta.dirname, '..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

export interface Running {
  url: string;
  /** The server's database, for the command-line tools a deployer would run against it. */
  databaseUrl?: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts one of our commands the way a user does and waits for the line that says it is ready. */
async function launch(script: string, env: NodeJS.ProcessEnv, ready: RegExp): Promise<Running> {
  const child = spawn(TSX, [script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 30_000);
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
  const running = await launch(
    'server/main.ts',
    { PORT: '0', OUTPOST_DATA_DIR: await tempDir('server'), ...env, DATABASE_URL: databaseUrl },
    /listening on (http:\/\/127\.0\.0\.1:\d+)/,
  );
  return { ...running, databaseUrl };
}

/** `npm run admin:create`, as IT does on a new server; returns a signed-in access token. */
export async function createAdmin(server: Running, roles = 'pay_admin,ops'): Promise<string> {
  const email = `admin-${Date.now()}@outpost.test`;
  const password = 'e2e admin password';
  await new Promise<void>((resolveRun, reject) => {
    const child = spawn(TSX, ['server/auth/admin-cli.ts', '--email', email, '--roles', roles], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: server.databaseUrl, OUTPOST_ADMIN_PASSWORD: password },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.once('exit', (code) =>
      code === 0 ? resolveRun() : reject(new Error(`admin:create failed: ${errors}`)),
    );
  });
  const signedIn = await fetch(`${server.url}/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!signedIn.ok) throw new Error(`sign-in failed: ${signedIn.status} ${await signedIn.text()}`);
  return ((await signedIn.json()) as { access_token: string }).access_token;
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

export async function startWebHost(env: NodeJS.ProcessEnv): Promise<Running> {
  return launch(
    'src-main/host/main.ts',
    { OUTPOST_DATA_DIR: await tempDir('app'), ...env },
    /(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/,
  );
}

/** `npm run worker -- --once` against a server's PostgreSQL: one reconciliation pass, then exit. */
export async function runWorkerOnce(server: Running): Promise<void> {
  if (!server.databaseUrl) throw new Error('the worker needs the server’s DATABASE_URL');
  await new Promise<void>((done, reject) => {
    const child = spawn(TSX, ['server/worker/main.ts', '--once'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: server.databaseUrl },
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
