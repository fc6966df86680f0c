import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogItem, PaymentsPullResponse } from '../../protocol/http';
import { startCluster, type PgCluster } from '../../test/pg/cluster';
import { upsertItems } from '../catalog/store';
import { signed, startTestServer, type TestServer } from '../testing/harness';
import { enrollTerminal, SN_POLICY, type Terminal } from './test-support';

/**
 * Replica-safe pull cursors (issue #23): change counters per device and tenant instead of
 * transaction ids. On the real database: writers committing out of order, a cursor from before,
 * and a dump restored into another database.
 */
const run = promisify(execFile);
const servers: TestServer[] = [];
let other: PgCluster | undefined;
let s: TestServer;
let admin: string;
let adminId: string;

beforeAll(async () => {
  s = await startTestServer();
  servers.push(s);
  ({ token: admin, id: adminId } = await s.user('cursor-admin@example.com', ['pay_admin']));
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
});
afterAll(async () => {
  for (const server of servers) await server.close();
  await other?.stop();
});

const item = (sku: string, price = 1000): CatalogItem => ({
  sku,
  barcode: null,
  name: `Article ${sku}`,
  price_minor: price,
  currency: 'XOF',
  tax_rate_bp: 1800,
  active: true,
});

async function upsert(server: TestServer, tenantId: string, items: CatalogItem[]) {
  const res = await server.call('POST', '/offline/catalog', {
    token: admin,
    body: { tenant_type: 'merchant', tenant_id: tenantId, items },
  });
  expect(res.status, res.text).toBe(200);
}

/** Every page from `since`; the skus it brought and the cursor to resume from. */
async function pullAll(server: TestServer, t: Terminal, since?: string) {
  const skus: string[] = [];
  let cursor = since;
  for (;;) {
    const qs = new URLSearchParams(cursor ? { since: cursor } : {}).toString();
    const path = `/offline/sync/payments${qs ? `?${qs}` : ''}`;
    const res = await server.call('GET', path, { headers: signed(t.device, 'GET', path, '') });
    expect(res.status, res.text).toBe(200);
    const page = res.body as PaymentsPullResponse;
    skus.push(...page.catalog.map((c) => c.sku));
    cursor = page.cursor;
    if (!page.more) return { skus: skus.sort(), cursor };
  }
}

describe('pull cursors as change counters', () => {
  it('two writers committing out of order: the pull between them skips neither change', async () => {
    const t = await enrollTerminal(s, admin, { tenantId: 'shop-order' });
    await upsert(s, 'shop-order', [item('A'), item('B')]);
    const { cursor: before } = await pullAll(s, t);
    const first = await s.pool.connect();
    const second = await s.pool.connect();
    try {
      // Each writer writes as the catalog's routes do (upsertItems numbers the change itself).
      const shop = { tenant_type: 'merchant' as const, tenant_id: 'shop-order' };
      const write = (client: typeof first, it: CatalogItem) =>
        upsertItems(client, shop, [it], { actorId: adminId, action: 'catalog.upserted' });
      await first.query('BEGIN');
      await write(first, item('A', 1100));
      // The second writer starts after the first and would commit first if it could.
      await second.query('BEGIN');
      const secondDone = write(second, item('B', 1200)).then(() => second.query('COMMIT'));
      // A pull while the first is still open: whatever it sees, its cursor must not pass A's change.
      const between = await pullAll(s, t, before);
      await first.query('COMMIT');
      await secondDone;
      const after = await pullAll(s, t, between.cursor);
      expect([...new Set([...between.skus, ...after.skus])].sort()).toEqual(['A', 'B']);
      expect(after.skus).toContain('A');
    } finally {
      first.release();
      second.release();
    }
  });

  it('a cursor from before counters (a transaction id, or a page of one) starts the till over', async () => {
    const t = await enrollTerminal(s, admin, { tenantId: 'shop-old' });
    await upsert(s, 'shop-old', [item('X'), item('Y')]);
    const oldPage = `p.${Buffer.from(JSON.stringify(['123', '456', 'bundles', '7'])).toString('base64url')}`;
    for (const old of ['987654', oldPage]) {
      const { skus, cursor } = await pullAll(s, t, old);
      expect(skus).toEqual(['X', 'Y']);
      expect(cursor).toMatch(/^c\.\d+\.\d+$/);
      expect((await pullAll(s, t, cursor)).skus).toEqual([]);
    }
  });

  it('a dump restored into another PostgreSQL cluster keeps pulls correct', async () => {
    // A server that has run a while: its cluster's transaction ids are far above a new cluster's.
    await s.pool.query(
      'DO $$ BEGIN FOR i IN 1..20000 LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$',
    );
    const t = await enrollTerminal(s, admin, { tenantId: 'shop-restore' });
    await upsert(s, 'shop-restore', [item('M'), item('N'), item('O')]);
    const { cursor } = await pullAll(s, t);
    await upsert(s, 'shop-restore', [item('N', 1500)]);

    // Another cluster, as a restore on a new machine or a failover: its transaction ids start
    // low again, below the horizon a transaction-id cursor from the first one holds.
    other = await startCluster();
    const restoredUrl = other.url;
    const { stdout: dump } = await run('pg_dump', ['--no-owner', '--no-privileges', s.dbUrl], {
      maxBuffer: 256 * 1024 * 1024,
    });
    const restore = execFile('psql', ['-q', '-v', 'ON_ERROR_STOP=1', restoredUrl]);
    restore.stdin!.end(dump);
    await new Promise<void>((resolve, reject) =>
      restore.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited ${code}`)))),
    );
    const restored = await startTestServer({ dbUrl: restoredUrl });
    servers.push(restored);
    // What broke transaction-id cursors: writes after the restore carry ids below the old horizon.
    const xid = async (server: TestServer) =>
      BigInt((await server.pool.query<{ x: string }>('SELECT pg_current_xact_id()::text AS x')).rows[0]!.x);
    expect(await xid(restored)).toBeLessThan(await xid(s));

    // The change made before the dump and one made after the restore, from the cursor the till
    // held before: both, and then nothing more.
    await upsert(restored, 'shop-restore', [item('O', 1700)]);
    const fromDump = await pullAll(restored, t, cursor);
    expect(fromDump.skus).toEqual(['N', 'O']);
    expect((await pullAll(restored, t, fromDump.cursor)).skus).toEqual([]);
  });
});
