import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogItem, CatalogListing, PaymentsPullResponse } from '../../protocol/http';
import { enrollTerminal } from '../payments/test-support';
import { fromConsole, signedInAs, type ConsoleBrowser as Browser } from '../testing/console-browser';
import { signed, startTestServer, type TestServer } from '../testing/harness';

/**
 * The console's Catalog and Shop details pages (issue #19, item 6) as a browser calls them: the
 * session cookie and CSRF token, never a bearer token. Only a pay_admin's session changes the
 * catalog; what it changes reaches a till of the tenant on its next pull.
 */
let s: TestServer;
let admin: Browser;
let adminToken: string;
beforeAll(async () => {
  s = await startTestServer();
  admin = await signedInAs(s, ['pay_admin']);
  adminToken = (await s.user(`cat-console-admin-${process.pid}@example.com`, ['pay_admin'])).token;
});
afterAll(async () => {
  await s?.close();
});

const T = { tenant_type: 'merchant' as const, tenant_id: `console-shop-${process.pid}` };
const q = `tenant_type=merchant&tenant_id=${T.tenant_id}`;
const croissant: CatalogItem = {
  sku: 'CROISSANT',
  barcode: null,
  barcodes: [],
  name: 'Croissant',
  price_minor: 300,
  currency: 'XOF',
  tax_rate_bp: 1800,
  active: true,
  category_id: 'boulangerie',
  quick_key: 0,
};
const SHOP = { name: 'Boutique Awa', address: '12 rue Carnot, Dakar', tax_id: 'SN-0042' };

/** Every change the Catalog and Shop details pages make, as the page sends it. */
const writes = [
  [
    'POST',
    '/offline/catalog/categories',
    { ...T, categories: [{ category_id: 'x', name: 'X', position: 0 }] },
  ],
  ['POST', '/offline/catalog', { ...T, items: [{ ...croissant, price_minor: 1 }] }],
  [
    'POST',
    '/offline/catalog/import',
    { ...T, csv: 'sku,name,price_minor,currency,tax_rate_bp\r\nX,X,1,XOF,0\r\n' },
  ],
  ['POST', '/offline/catalog/shop', { ...T, name: 'Stolen', address: null, tax_id: null }],
  ['DELETE', `/offline/catalog/merchant/${T.tenant_id}/items/CROISSANT`, undefined],
] as const;

const listing = async () =>
  (await fromConsole(s, admin, 'GET', `/offline/catalog?${q}`)).body as CatalogListing;

describe("the console's catalog, by role", () => {
  it('ops and teacher sessions get 403 on every catalog write, teacher on reads too; nothing changes', async () => {
    expect(
      (
        await fromConsole(s, admin, 'POST', '/offline/catalog/categories', {
          ...T,
          categories: [{ category_id: 'boulangerie', name: 'Boulangerie', position: 0 }],
        })
      ).status,
    ).toBe(200);
    expect(
      (await fromConsole(s, admin, 'POST', '/offline/catalog', { ...T, items: [croissant] })).status,
    ).toBe(200);
    expect((await fromConsole(s, admin, 'POST', '/offline/catalog/shop', { ...T, ...SHOP })).status).toBe(
      200,
    );
    const before = await listing();

    const ops = await signedInAs(s, ['ops']);
    const teacher = await signedInAs(s, ['teacher']);
    for (const [who, b] of [
      ['ops', ops],
      ['teacher', teacher],
    ] as const) {
      for (const [method, path, body] of writes) {
        const res = await fromConsole(s, b, method, path, body);
        expect(res.status, `${who} ${method} ${path}`).toBe(403);
        expect((res.body as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      }
    }
    // Ops may read what the page shows (GET), a teacher may not.
    expect((await fromConsole(s, ops, 'GET', `/offline/catalog?${q}`)).status).toBe(200);
    expect((await fromConsole(s, ops, 'GET', `/offline/catalog/export?${q}`)).status).toBe(200);
    expect((await fromConsole(s, teacher, 'GET', `/offline/catalog?${q}`)).status).toBe(403);
    expect((await fromConsole(s, teacher, 'GET', `/offline/catalog/export?${q}`)).status).toBe(403);
    expect(await listing()).toEqual(before);
  });

  it("a pay_admin session's change without the page's CSRF token is refused, and changes nothing", async () => {
    const before = await listing();
    for (const [method, path, body] of writes) {
      const res = await fromConsole(s, { ...admin, csrf: 'x'.repeat(admin.csrf.length) }, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((res.body as { error: { code: string } }).error.code).toBe('CSRF_REJECTED');
    }
    expect(await listing()).toEqual(before);
  });

  it("a till of the tenant pulls the console's change on its next pull: price, key and shop", async () => {
    const till = await enrollTerminal(s, adminToken, { tenantId: T.tenant_id });
    const pull = async () => {
      const path = '/offline/sync/payments?catalog=2';
      const res = await s.call('GET', path, { headers: signed(till.device, 'GET', path, '') });
      expect(res.status, res.text).toBe(200);
      return res.body as PaymentsPullResponse;
    };
    // As the console's form sends it: the price typed "1 500" is 1500 minor units of XOF, on key 3.
    const edited = { ...croissant, price_minor: 1500, quick_key: 2 };
    expect((await fromConsole(s, admin, 'POST', '/offline/catalog', { ...T, items: [edited] })).status).toBe(
      200,
    );
    const shop = { ...SHOP, tax_id: 'SN-0043' };
    expect((await fromConsole(s, admin, 'POST', '/offline/catalog/shop', { ...T, ...shop })).status).toBe(
      200,
    );

    const page = await pull();
    expect(page.catalog.find((i) => i.sku === 'CROISSANT')).toMatchObject({
      price_minor: 1500,
      category_id: 'boulangerie',
      quick_key: 2,
    });
    expect(page.shop).toEqual(shop);
  });
});
