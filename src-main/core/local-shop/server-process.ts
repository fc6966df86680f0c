import { spawn, type ChildProcess } from 'node:child_process';
import { LocalShopReport } from '../../../protocol/local-shop';
import type { LocalShopLauncher } from '../config';

/** Variables of the app's environment the local shop's server must not take as its own. */
const SERVER_ONLY = ['DATABASE_URL', 'HOST', 'OUTPOST_MASTER_SECRET', 'TRUST_PROXY', 'METRICS_TOKEN'];
const READY_TIMEOUT_MS = 180_000;
const OUTPUT_KEPT = 8_192;

export interface LocalServer {
  url: string;
  setupUrl: string | null;
  /** Resolves when the process has exited; a reason when it ended on its own. */
  readonly exited: Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts `server/local-shop.ts` in a process of its own on `port` (127.0.0.1; it refuses any other
 * host itself), its data under `dataDir`, and hands it the master secret over the IPC channel. Answers
 * once it listens; a process that exits or reports a failure first rejects with its words.
 */
export async function startLocalServer(
  launcher: LocalShopLauncher,
  options: { dataDir: string; port: number; masterSecret: Buffer },
): Promise<LocalServer> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...launcher.env };
  for (const name of SERVER_ONLY) delete env[name];
  const child = spawn(launcher.command, [...launcher.args], {
    cwd: launcher.cwd,
    env: {
      ...env,
      OUTPOST_DATA_DIR: options.dataDir,
      PORT: String(options.port),
      LOG_LEVEL: env.OUTPOST_LOCAL_SHOP_LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-OUTPUT_KEPT));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) =>
      resolve(`the local shop's server stopped (${signal ?? `exit ${code}`}): ${lastLine(output)}`),
    );
    child.once('error', (error) => resolve(`the local shop's server could not start: ${error.message}`));
  });
  // A process that could not start has no channel: `exited` says why, the failed write adds nothing.
  child.send({ type: 'start', masterSecret: options.masterSecret.toString('base64') }, () => undefined);

  const ready = await new Promise<LocalShopReport>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the local shop's server did not start in time: ${lastLine(output)}`)),
      READY_TIMEOUT_MS,
    );
    child.on('message', (message) => {
      const parsed = LocalShopReport.safeParse(message);
      if (!parsed.success) return;
      clearTimeout(timer);
      resolve(parsed.data);
    });
    void exited.then((reason) => {
      clearTimeout(timer);
      reject(new Error(reason));
    });
  }).catch(async (error: unknown) => {
    await stopProcess(child, exited);
    throw error;
  });
  if (ready.type === 'failed') {
    await stopProcess(child, exited);
    throw new Error(ready.message);
  }
  return {
    url: ready.url,
    setupUrl: ready.setupUrl,
    exited,
    stop: () => stopProcess(child, exited),
  };
}

async function stopProcess(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function lastLine(output: string): string {
  const lines = output.trim().split('\n');
  const last = lines.at(-1) ?? '';
  // pino writes JSON lines: their message is what a person reads.
  try {
    const parsed = JSON.parse(last) as { msg?: unknown; err?: { message?: unknown } };
    return String(parsed.err?.message ?? parsed.msg ?? last);
  } catch {
    return last || 'no output';
  }
}
