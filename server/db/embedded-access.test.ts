import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { startServer } from '../start';

/**
 * Issue #16, item 1: the embedded database used to listen on 127.0.0.1 as a passwordless
 * `postgres` superuser, and its files were open to every local user. These tests attack a real
 * server on the embedded default the ways a local process could.
 */

const logger = createLogger('silent');
// Creating a PGlite cluster takes tens of seconds on a loaded CI machine.
const BOOT = 180_000;
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'outpost-embedded-'));
  dirs.push(dir);
  return dir;
}

/** The listening sockets this process holds, as Linux lists them: TCP ports and Unix paths. */
async function listeningSockets(): Promise<{ tcp: number[]; unix: string[] }> {
  const inodes = new Set<string>();
  for (const fd of await readdir('/proc/self/fd')) {
    const link = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  const rows = async (file: string) =>
    (await readFile(file, 'utf8').catch(() => ''))
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/));
  const tcp: number[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const f of await rows(file)) {
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; the inode is the tenth column.
      if (f[3] === '0A' && inodes.has(f[9] ?? '')) tcp.push(parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  const unix: string[] = [];
  for (const f of await rows('/proc/net/unix')) {
    // Flags 00010000 is a listening (accepting) socket; the inode is the seventh column.
    if (f[3] === '00010000' && inodes.has(f[6] ?? '')) unix.push(f[7] ?? '(unnamed)');
  }
  return { tcp: tcp.sort((a, b) => a - b), unix };
}

/**
 * Another local process tries to sign in to PostgreSQL on each port as `postgres` with no
 * password, as anyone could against the old socket server; prints what each attempt got.
 */
async function connectFromAnotherProcess(ports: number[]): Promise<Record<string, string>> {
  const script = `
    const pg = require('pg');
    (async () => {
      const out = {};
      for (const port of ${JSON.stringify(ports)}) {
        const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres',
          connectionTimeoutMillis: 10000 });
        client.on('error', () => {});
        try {
          await client.connect();
          const { rows } = await client.query('SELECT count(*)::int AS n FROM users');
          out[port] = 'connected: ' + rows[0].n + ' users';
        } catch (err) {
          out[port] = 'refused: ' + (err.code || err.message);
        }
        await client.end().catch(() => {});
      }
      process.stdout.write(JSON.stringify(out));
    })();`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: process.cwd() });
  return JSON.parse(stdout) as Record<string, string>;
}

/** Every path under `root` whose mode is not 0700 (directories) or 0600 (files), with its mode. */
async function tooOpen(root: string): Promise<string[]> {
  const entry = await lstat(root);
  const mode = entry.mode & 0o777;
  const found: string[] = [];
  if (entry.isDirectory()) {
    if (mode !== 0o700) found.push(`${root} ${mode.toString(8)}`);
    for (const name of await readdir(root)) found.push(...(await tooOpen(join(root, name))));
  } else if (entry.isFile() && mode !== 0o600) {
    found.push(`${root} ${mode.toString(8)}`);
  }
  return found;
}

/** chmod -R a+rwX: what a careless install or an old version could have left. */
async function openUp(root: string): Promise<void> {
  const entry = await lstat(root);
  if (entry.isDirectory()) {
    await chmod(root, 0o777);
    for (const name of await readdir(root)) await openUp(join(root, name));
  } else if (entry.isFile()) {
    await chmod(root, 0o666);
  }
}

describe('the embedded database is not an open door', () => {
  it(
    'offers a local process nothing to connect to: the only listening socket is the HTTP one',
    async () => {
      const dataDir = await tempDir();
      const before = await listeningSockets();
      const server = await startServer(loadConfig({ PORT: '0', OUTPOST_DATA_DIR: dataDir }), { logger });
      try {
        const httpPort = Number(new URL(server.url).port);
        const after = await listeningSockets();
        const opened = after.tcp.filter((p) => !before.tcp.includes(p));
        expect(opened).toEqual([httpPort]);
        expect(after.unix.filter((p) => !before.unix.includes(p))).toEqual([]);
        // The scan an attacker would run over what the server opened: no PostgreSQL answers.
        const attempts = await connectFromAnotherProcess(opened);
        for (const outcome of Object.values(attempts)) expect(outcome).toMatch(/^refused: /);
      } finally {
        await server.close();
      }
    },
    BOOT,
  );

  it(
    'leaves the data directory 0700 and its files 0600, tightening directories left 0777',
    async () => {
      const dataDir = await tempDir();
      // An existing, world-writable layout, as the old server or a hand-made directory left it.
      await mkdir(join(dataDir, 'server', 'pgdata'), { recursive: true });
      await writeFile(join(dataDir, 'server', 'notes.txt'), 'left by an older version');
      await openUp(dataDir);
      const config = loadConfig({ PORT: '0', OUTPOST_DATA_DIR: dataDir });

      const first = await startServer(config, { logger });
      try {
        expect((await lstat(dataDir)).mode & 0o777).toBe(0o700);
        expect(await tooOpen(join(dataDir, 'server'))).toEqual([]);
      } finally {
        await first.close();
      }

      // Restarting over a tree someone opened up again (chmod -R 777) closes it again.
      await openUp(dataDir);
      const again = await startServer(config, { logger });
      try {
        expect((await lstat(dataDir)).mode & 0o777).toBe(0o700);
        expect(await tooOpen(join(dataDir, 'server'))).toEqual([]);
        expect((await fetch(`${again.url}/health/ready`)).status).toBe(200);
      } finally {
        await again.close();
      }
    },
    2 * BOOT,
  );
});
