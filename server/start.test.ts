import { mkdtemp, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../test/pg/database';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { startServer } from './main';

const logger = createLogger('silent');

/** A logger whose JSON lines are kept in `lines`. */
function captureLog() {
  const lines: string[] = [];
  const capture = createLogger(
    'info',
    new Writable({ write: (chunk: Buffer, _enc, done) => done(void lines.push(chunk.toString())) }),
  );
  return { lines, capture };
}

describe('startServer', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  // Boots PGlite twice and runs two production-cost scrypts: slow on a loaded machine.
  it(
    'with no DATABASE_URL boots the embedded database, migrates and is ready',
    { timeout: 180_000 },
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'outpost-server-'));
      dirs.push(dataDir);
      const metricsToken = randomBytes(32).toString('base64url');
      const config = loadConfig({ PORT: '0', OUTPOST_DATA_DIR: dataDir, METRICS_TOKEN: metricsToken });
      expect(config.databaseUrl).toBeUndefined();

      const server = await startServer(config, { logger });
      try {
        const res = await fetch(`${server.url}/health/ready`);
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ status: 'ready', database: 'connected' });
        // No OUTPOST_MASTER_SECRET: one was generated into a private file under the data dir.
        expect((await stat(join(dataDir, 'server', 'master.key'))).mode & 0o777).toBe(0o600);
        expect((await fetch(`${server.url}/health/full`)).status).toBe(401);
        const operator = { headers: { authorization: `Bearer ${metricsToken}` } };
        expect((await fetch(`${server.url}/health/full`, operator)).status).toBe(200);
        // The throttle's counters (rate-limiter-flexible's upserts) work on PGlite too.
        const signIn = () =>
          fetch(`${server.url}/auth/sign-in`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong' }),
          });
        expect((await signIn()).status).toBe(401);
        expect((await signIn()).status).toBe(401);
        // A second server on the same data dir would corrupt it; it must be refused.
        await expect(startServer(config, { logger })).rejects.toThrow(/in use/);
      } finally {
        await server.close();
      }
      await expect(fetch(`${server.url}/health/live`)).rejects.toThrow();

      // The data persists and the lock is released: a restart on the same dir works.
      const again = await startServer(config, { logger });
      try {
        expect((await fetch(`${again.url}/health/ready`)).status).toBe(200);
      } finally {
        await again.close();
      }
    },
  );

  it('with DATABASE_URL uses that database; on a loopback HOST it warns about nothing', async () => {
    const url = await freshDatabase();
    const { lines, capture } = captureLog();
    const server = await startServer(loadConfig({ PORT: '0', DATABASE_URL: url }), { logger: capture });
    try {
      expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
      expect(lines.join('')).not.toContain('without TLS');
      expect(lines.join('')).not.toContain('without TRUST_PROXY');
    } finally {
      await server.close();
    }
  });

  it('warns in the start-up log when HOST is not loopback: the server itself speaks plain http', async () => {
    const { lines, capture } = captureLog();
    const config = loadConfig({ PORT: '0', HOST: '0.0.0.0', DATABASE_URL: await freshDatabase() });
    const server = await startServer(config, { logger: capture });
    await server.close();
    const warning = lines
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .find((l) => /without TLS/.test(l.msg));
    expect(warning?.level).toBe(40);
    const proxy = lines
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .find((l) => /without TRUST_PROXY/.test(l.msg));
    expect(proxy?.level).toBe(40);
  });

  it('does not warn about TRUST_PROXY on a non-loopback HOST when it is set', async () => {
    const { lines, capture } = captureLog();
    const config = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      TRUST_PROXY: 'loopback',
      DATABASE_URL: await freshDatabase(),
    });
    const server = await startServer(config, { logger: capture });
    await server.close();
    expect(lines.join('')).toContain('without TLS');
    expect(lines.join('')).not.toContain('without TRUST_PROXY');
  });
});
