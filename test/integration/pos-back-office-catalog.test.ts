import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, type SecretServiceSession } from '../../native/keystore';
import type { QuickKeysView, ReceiptPicture } from '../../protocol/api';
import type { CatalogItem } from '../../protocol/http';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { pngOf } from '../../server/testing/images';
import { callCommand } from '../../src-main/core/api/dispatch';
import type { Core } from '../../src-main/core';
import { SN_POLICY_INPUT } from '../support/sn-policy';
import { nextOf, signedIn, tillCore } from '../support/till';

/**
 * The back office's catalog reaching a real till (issue #19, item 6): categories, quick-key places
 * and shop details set through the server's routes show in the till's quick grid and receipt
 * header after its next pull, and a later change after the pull after that. Real core (keychain,
 * encrypted store), real server on real PostgreSQL.
 */
let session: SecretServiceSession;
let server: TestServer;
let core: Core;
let admin: string;
const TENANT = { tenant_type: 'merchant', tenant_id: 'shop-bo' } as const;

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  admin = (await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin'])).token;
  expect(
    (await server.call('POST', '/offline/policies', { token: admin, body: SN_POLICY_INPUT })).status,
  ).toBe(200);
});
afterAll(async () => {
  await core?.close();
  await server.close();
  await session.stop();
});

const call = (method: string, input: unknown = {}) => callCommand(core.handlers, method, input);
const next = <T>(topic: string, until: (item: T) => boolean): Promise<T> => nextOf<T>(core, topic, until);
async function post(path: string, body: object) {
  const res = await server.call('POST', path, { token: admin, body: { ...TENANT, ...body } });
  expect(res.status, res.text).toBe(200);
}

const item = (sku: string, name: string, category_id: string, quick_key: number): CatalogItem => ({
  sku,
  barcode: null,
  name,
  price_minor: 500,
  currency: 'XOF',
  tax_rate_bp: 1800,
  active: true,
  category_id,
  quick_key,
});
const grid = (view: QuickKeysView) => view.categories.map((c) => [c.name, c.items.map((i) => i.sku)]);

describe('the back office’s catalog on a till', () => {
  it('shows the server’s categories and quick-key places in the grid and its shop on receipts', async () => {
    await post('/offline/catalog/categories', {
      categories: [
        { category_id: 'drinks', name: 'Boissons', position: 1 },
        { category_id: 'bakery', name: 'Boulangerie', position: 0 },
      ],
    });
    await post('/offline/catalog', {
      items: [
        item('croissant', 'Croissant', 'bakery', 1),
        item('baguette', 'Baguette', 'bakery', 0),
        item('cafe', 'Café Touba', 'drinks', 0),
      ],
    });
    await post('/offline/catalog/shop', {
      name: 'Boulangerie Awa',
      address: 'Rue 10, Dakar',
      tax_id: 'SN-77',
    });
    const issued = await server.call('POST', '/offline/enrollment-codes', {
      token: admin,
      body: { ...TENANT, country: 'SN', currency_default: 'XOF' },
    });

    core = await tillCore(server.url);
    await call('enrollment.redeemCode', { code: (issued.body as { code: string }).code });
    // The pull itself goes through: the round reports no error.
    expect(await call('sync.now')).toMatchObject({ lastError: null });
    const view = await next<QuickKeysView>('pos.quickKeys', (v) => v.categories.length === 2);
    expect(grid(view)).toEqual([
      ['Boulangerie', ['baguette', 'croissant']],
      ['Boissons', ['cafe']],
    ]);

    await signedIn(core);
    await call('pos.shift.open', { floatMinor: 10_000 });
    const sale = (await call('pos.sale.capture', {
      lines: [{ sku: 'baguette', name: 'Baguette', qty: 1, unitPriceMinor: 500, taxRateBp: 1800 }],
      tenders: [{ type: 'cash', amountMinor: 1000 }],
    })) as { saleId: string };
    const receipt = (await call('pos.receipt.preview', { saleId: sale.saleId })) as ReceiptPicture;
    expect(receipt.lines.slice(0, 3)).toEqual(['Boulangerie Awa', 'Rue 10, Dakar', 'Tax ID SN-77']);

    // The owner moves the croissant first, retires the coffee and renames the shop: the next pull.
    await post('/offline/catalog', {
      items: [item('croissant', 'Croissant', 'bakery', 0), item('baguette', 'Baguette', 'bakery', 1)],
    });
    const retired = await server.call('DELETE', '/offline/catalog/merchant/shop-bo/items/cafe', {
      token: admin,
    });
    expect(retired.status).toBe(200);
    await post('/offline/catalog/shop', { name: 'Chez Awa', address: null, tax_id: 'SN-77' });
    await call('sync.now');
    const after = await next<QuickKeysView>('pos.quickKeys', (v) => v.categories[1]?.items.length === 0);
    expect(grid(after)).toEqual([
      ['Boulangerie', ['croissant', 'baguette']],
      ['Boissons', []],
    ]);
    const again = (await call('pos.receipt.preview', { saleId: sale.saleId })) as ReceiptPicture;
    expect(again.lines.slice(0, 2)).toEqual(['Chez Awa', 'Tax ID SN-77']);
  });

  it('a product’s picture reaches the till after its next pull; one whose bytes are not the named ones is not kept, and the pull goes on', async () => {
    const image = (sku: string) => `/offline/catalog/merchant/shop-bo/items/${sku}/image`;
    const png = pngOf(40, 40);
    const set = await server.call('POST', image('croissant'), {
      token: admin,
      body: { data_base64: png.toString('base64') },
    });
    expect(set.status, set.text).toBe(200);
    const sha = createHash('sha256').update(png).digest('hex');
    // The baguette's picture is swapped in the database behind the item that names it (a rogue
    // proxy or a damaged row would look the same to the till): its bytes no longer hash to the name.
    await server.call('POST', image('baguette'), {
      token: admin,
      body: { data_base64: pngOf(32, 32).toString('base64') },
    });
    await server.pool.query("UPDATE offline_catalog_images SET bytes = $1 WHERE sku = 'baguette'", [
      pngOf(50, 50),
    ]);

    // The pull itself goes through: the round reports no error.
    expect(await call('sync.now')).toMatchObject({ lastError: null });
    const view = await next<QuickKeysView>('pos.quickKeys', (v) =>
      v.categories[0]!.items.some((i) => i.sku === 'croissant' && i.image),
    );
    const bySku = new Map(view.categories[0]!.items.map((i) => [i.sku, i.image]));
    expect(bySku.get('croissant')).toBe(sha);
    expect(bySku.get('baguette')).toBeNull();
    const { url } = (await call('pos.catalog.image', { sha256: sha })) as { url: string };
    expect(Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64').equals(png)).toBe(true);
    const found = (await call('pos.catalog.search', { query: 'Croiss' })) as { items: { sku: string }[] };
    expect(found.items[0]).toMatchObject({ sku: 'croissant', image: sha });

    // Removed in the back office: the till drops it at its next pull.
    expect((await server.call('DELETE', image('croissant'), { token: admin })).status).toBe(200);
    await call('sync.now');
    const after = await next<QuickKeysView>('pos.quickKeys', (v) =>
      v.categories[0]!.items.every((i) => !i.image),
    );
    expect(after.categories[0]!.items.map((i) => i.image)).toEqual([null, null]);
    expect(await call('pos.catalog.image', { sha256: sha })).toEqual({ url: null });
  });
});
