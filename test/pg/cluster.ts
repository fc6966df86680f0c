import { execFile, execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export const DEFAULT_PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PgCluster {
  /** Superuser URL (trust auth) on 127.0.0.1. */
  url: string;
  stop(): Promise<void>;
  /** Synchronous variant for signal and exit handlers, where nothing async gets to run. */
  stopSync(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export function pgBinAvailable(binDir = DEFAULT_PG_BIN): boolean {
  return existsSync(join(binDir, 'initdb')) && existsSync(join(binDir, 'pg_ctl'));
}

async function waitReady(url: string): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new Error(`PostgreSQL did not become ready: ${String(lastError)}`);
}

/**
 * A throwaway PostgreSQL cluster in a temp dir, on 127.0.0.1 and a free port. initdb refuses
 * to run as root, so as root every binary runs as the `postgres` user over a dir it owns.
 * Durability is switched off: the cluster dies with the test run.
 */
export async function startCluster(
  binDir = DEFAULT_PG_BIN,
  extraOptions?: readonly string[],
): Promise<PgCluster> {
  const asRoot = process.getuid?.() === 0;
  const dir = await mkdtemp(join(tmpdir(), 'outpost-pg-'));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const argv = (bin: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(binDir, bin), ...args]] : [join(binDir, bin), args];
  const pgCtlStopSync = () => {
    const [cmd, args] = argv('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
    try {
      execFileSync(cmd, args, { stdio: 'ignore' });
    } catch {
      // Not running (never started, or already stopped): nothing to stop.
    }
  };

  try {
    if (asRoot) {
      const { uid, gid } = postgresIds();
      await chown(dir, uid, gid);
    }
    await run(
      ...argv('initdb', [
        '-D',
        dataDir,
        '-A',
        'trust',
        '-U',
        'postgres',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ]),
    );
    // The port is free when probed but could be taken before postgres binds it: retry.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const options = [
        `-p ${port}`,
        "-c listen_addresses='127.0.0.1'",
        `-c unix_socket_directories='${dir}'`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=200',
        // Extra server settings for a diagnosis, e.g. the ingest bench's BENCH_PG_STATEMENTS.
        ...(extraOptions ?? []),
      ].join(' ');
      try {
        await run(
          ...argv('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']),
        );
      } catch (err) {
        if (attempt >= 3) {
          const log = await readFile(logFile, 'utf8').catch(() => '');
          throw new Error(`pg_ctl start failed:\n${log}`, { cause: err });
        }
        continue;
      }
      const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
      await waitReady(url);
      let stopped = false;
      const stopSync = () => {
        if (stopped) return;
        stopped = true;
        pgCtlStopSync();
        rmSync(dir, { recursive: true, force: true });
      };
      return {
        url,
        stopSync,
        stop: async () => {
          if (stopped) return;
          stopped = true;
          await run(...argv('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop'])).catch(pgCtlStopSync);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (err) {
    pgCtlStopSync();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
