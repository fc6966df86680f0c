import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/pg/database';
import { createApp } from '../app';
import { createPool } from '../db/pool';
import { capturingLogger } from '../testing/harness';
import { consoleSite } from './site';

/** /admin as the real app serves it (helmet first, then the console's own headers). */
let pool: ReturnType<typeof createPool>;
beforeAll(async () => {
  pool = createPool(await freshDatabase());
});
afterAll(() => pool?.end());

async function serve(dir: string) {
  const { logger, logs } = capturingLogger();
  const server = createApp({ pool, logger, routes: [consoleSite(logger, dir)] }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, logs, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('the console site', () => {
  it('serves the built console under a strict CSP, and its page for every console path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outpost-admin-site-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>console</title>');
    const site = await serve(dir);
    try {
      const res = await fetch(`${site.url}/admin/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<title>console</title>');
      const csp = res.headers.get('content-security-policy') ?? '';
      for (const directive of [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
      ])
        expect(csp).toContain(directive);
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect((await fetch(`${site.url}/admin/people`)).status).toBe(200);
      const bare = await fetch(`${site.url}/admin`, { redirect: 'manual' });
      expect([bare.status, bare.headers.get('location')]).toEqual([301, '/admin/']);
    } finally {
      await site.close();
    }
  });

  it('says so at /admin and in the log when the console is not built, instead of a 404', async () => {
    const site = await serve(await mkdtemp(join(tmpdir(), 'outpost-admin-none-')));
    try {
      const res = await fetch(`${site.url}/admin/`);
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/not built.*npm run build/);
      expect(site.logs.join('')).toMatch(/back office is not built/);
    } finally {
      await site.close();
    }
  });
});
