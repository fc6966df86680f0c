import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PULL_PAGE_DEFAULT, type CatalogItem, type PaymentsPullResponse } from '../../protocol/http';
import { signed, startTestServer, type TestServer } from '../testing/harness';
import { enrollTerminal, push, SN_POLICY, type Terminal } from './test-support';

let s: TestServer;
let admin: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('pull-admin@example.com', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
});

const item = (i: number, price = 1000): CatalogItem => ({
  sku: `SKU-${String(i).padStart(5, '0')}`,
  barcode: null,
  name: `Article ${i}`,
  price_minor: price,
  currency: 'XOF',
  tax_rate_bp: 1800,
  active: true,
});

async function upsert(tenantId: string, items: CatalogItem[]) {
  for (let i = 0; i < items.length; i += 1000) {
    const res = await s.call('POST', '/offline/catalog', {
      token: admin,
      body: { tenant_type: 'merchant', tenant_id: tenantId, items: items.slice(i, i + 1000) },
    });
    expect(res.status, res.text).toBe(200);
  }
}

async function pull(t: Terminal, query: Record<string, string>) {
  const qs = new URLSearchParams(query).toString();
  const path = `/offline/sync/payments${qs ? `?${qs}` : ''}`;
  return s.call('GET', path, { headers: signed(t.device, 'GET', path, '') });
}

/** Follows `more` from `since`; every page is checked against the response schema's limit. */
async function pullAll(t: Terminal, since: string | undefined, limit?: number) {
  const pages: PaymentsPullResponse[] = [];
  let cursor = since;
  for (;;) {
    const res = await pull(t, {
      ...(cursor ? { since: cursor } : {}),
      ...(limit ? { limit: String(limit) } : {}),
    });
    expect(res.status, res.text).toBe(200);
    const page = res.body as PaymentsPullResponse;
    expect(page.catalog.length + page.bundles.length).toBeLessThanOrEqual(limit ?? PULL_PAGE_DEFAULT);
    pages.push(page);
    cursor = page.cursor;
    if (!page.more) return { pages, cursor };
    expect(pages.length).toBeLessThan(100);
  }
}

describe('paginated pull', () => {
  it('walks more catalog items and bundle outcomes than one page holds, then resumes with nothing', async () => {
    const t = await enrollTerminal(s, admin, { tenantId: 'shop-pages' });
    await upsert(
      'shop-pages',
      Array.from({ length: 1234 }, (_, i) => item(i)),
    );
    const bundles = [];
    for (let b = 0; b < 4; b++) {
      const env = await t.bundle(t.sales(2, {}, 20_000, Date.now() - (4 - b) * 60_000));
      expect((await push(s, env)).status).toBe(200);
      bundles.push(env.bundle_id);
    }

    const { pages, cursor } = await pullAll(t, undefined, 300);
    // 1234 items + 4 outcomes in pages of 300: five pages, the last one mixed.
    expect(pages.map((p) => [p.catalog.length, p.bundles.length, p.more])).toEqual([
      [300, 0, true],
      [300, 0, true],
      [300, 0, true],
      [300, 0, true],
      [34, 4, false],
    ]);
    const skus = pages.flatMap((p) => p.catalog.map((i) => i.sku));
    expect(new Set(skus).size).toBe(1234);
    expect(skus).toEqual([...skus].sort());
    expect(pages.flatMap((p) => p.bundles.map((b) => b.bundle_id))).toEqual(bundles);
    expect(pages.every((p) => p.last_seq === 8 && p.policy?.country === 'SN')).toBe(true);
    expect(cursor).toMatch(/^c\.\d+\.\d+$/);

    const again = await pullAll(t, cursor, 300);
    expect(again.pages).toHaveLength(1);
    expect(again.pages[0]!.catalog).toEqual([]);
    expect(again.pages[0]!.bundles).toEqual([]);
  });

  it('a page ending exactly at the catalog boundary continues with the bundle outcomes', async () => {
    const t = await enrollTerminal(s, admin, { tenantId: 'shop-edge' });
    await upsert(
      'shop-edge',
      Array.from({ length: 10 }, (_, i) => item(i)),
    );
    const env = await t.bundle(t.sales(1));
    await push(s, env);
    const { pages } = await pullAll(t, undefined, 10);
    expect(pages.map((p) => [p.catalog.length, p.bundles.length, p.more])).toEqual([
      [10, 0, true],
      [0, 1, false],
    ]);
  });

  it('an item changed while the pages are read comes in this pull or the next, never lost', async () => {
    const t = await enrollTerminal(s, admin, { tenantId: 'shop-moving' });
    await upsert(
      'shop-moving',
      Array.from({ length: 50 }, (_, i) => item(i)),
    );
    const first = await pull(t, { limit: '20' });
    const page1 = first.body as PaymentsPullResponse;
    expect(page1.more).toBe(true);
    // SKU-00005 was already sent on page 1; SKU-00045 is still ahead.
    await upsert('shop-moving', [item(5, 2222), item(45, 4545)]);
    const rest = await pullAll(t, page1.cursor, 20);
    const seen = new Map<string, number>();
    for (const p of [page1, ...rest.pages]) for (const i of p.catalog) seen.set(i.sku, i.price_minor);
    expect(seen.get('SKU-00045')).toBe(4545);
    const next = await pullAll(t, rest.cursor, 20);
    const later = next.pages.flatMap((p) => p.catalog);
    expect(later.find((i) => i.sku === 'SKU-00005')?.price_minor).toBe(2222);
  });

  it('refuses cursors it did not give out and limits out of range', async () => {
    const t = await enrollTerminal(s, admin, { tenantId: 'shop-bad' });
    const forged = `p.${Buffer.from(JSON.stringify(['1', '2', 'bundles', 'x'])).toString('base64url')}`;
    const queries: Record<string, string>[] = [
      { since: 'abc' },
      { since: 'p.!!!' },
      { since: forged },
      { limit: '0' },
      { limit: '1001' },
      { limit: 'ten' },
    ];
    for (const query of queries) {
      const res = await pull(t, query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect((res.body as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('numbers the cursor regex accepts but PostgreSQL cannot cast: 400 VALIDATION_FAILED, not 500', async () => {
    const t = await enrollTerminal(s, admin, { tenantId: 'shop-huge' });
    const page = (x: unknown) => `p.${Buffer.from(JSON.stringify(x)).toString('base64url')}`;
    const queries: Record<string, string>[] = [
      // One past xid8's largest value (2^64 − 1).
      { since: '18446744073709551616' },
      { since: '99999999999999999999' },
      { since: page(['18446744073709551616', '1', 'catalog', null]) },
      { since: page(['0', '18446744073709551616', 'catalog', null]) },
      // seq_from is a bigint: 2^63 − 1 at most.
      { since: page(['0', '1', 'bundles', '9223372036854775808']) },
      { since: page(['0', '1', 'bundles', '99999999999999999999']) },
    ];
    for (const query of queries) {
      const res = await pull(t, query);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect((res.body as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    }
    // The largest values themselves are cursors: a page, not an error.
    expect((await pull(t, { since: '18446744073709551615' })).status).toBe(200);
    expect((await pull(t, { since: page(['0', '1', 'bundles', '9223372036854775807']) })).status).toBe(200);
  });
});
