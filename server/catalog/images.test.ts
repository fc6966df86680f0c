import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_CATALOG_IMAGE_BYTES,
  pullAnswerSha256,
  type CatalogImageBody,
  type CatalogItem,
  type CatalogListing,
  type PaymentsPullResponse,
} from '../../protocol/http';
import { enrollTerminal, SN_POLICY, type Terminal } from '../payments/test-support';
import { signed, startTestServer, type TestServer } from '../testing/harness';
import { jpegHead, pngOf, webpHead } from '../testing/images';
import { deviceCall, registerLaptop } from '../testing/materials';

/**
 * A product's picture (issue #19, item 6) through the real routes and PostgreSQL: checked by its
 * bytes, kept in the database, named by the item a till pulls, fetched by the till of that tenant
 * only, and the refusals each with its own code.
 */

let s: TestServer;
let admin: string;
let ops: string;
let seq = 0;
const tenant = () => ({ tenant_type: 'merchant' as const, tenant_id: `img-${process.pid}-${++seq}` });
type Tenant = ReturnType<typeof tenant>;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('img-admin@example.com', ['pay_admin'])).token;
  ops = (await s.user('img-ops@example.com', ['ops'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
});

const bread: CatalogItem = {
  sku: 'BREAD',
  barcode: null,
  name: 'Baguette',
  price_minor: 250,
  currency: 'XOF',
  tax_rate_bp: 1800,
  active: true,
};
const codeOf = (res: { body: unknown }) => (res.body as { error?: { code: string } }).error?.code;
const imagePath = (t: Tenant, sku = 'BREAD') =>
  `/offline/catalog/${t.tenant_type}/${t.tenant_id}/items/${sku}/image`;
const put = (t: Tenant, bytes: Buffer, token = admin, sku = 'BREAD') =>
  s.call('POST', imagePath(t, sku), { token, body: { data_base64: bytes.toString('base64') } });
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function shopWithBread(): Promise<{ t: Tenant; till: Terminal }> {
  const t = tenant();
  const res = await s.call('POST', '/offline/catalog', { token: admin, body: { ...t, items: [bread] } });
  expect(res.status, res.text).toBe(200);
  return { t, till: await enrollTerminal(s, admin, { tenantId: t.tenant_id }) };
}

async function pull(till: Terminal, since?: string) {
  const path = `/offline/sync/payments?catalog=2${since ? `&since=${since}` : ''}`;
  const res = await s.call('GET', path, { headers: signed(till.device, 'GET', path, '') });
  expect(res.status, res.text).toBe(200);
  return res.body as PaymentsPullResponse;
}
const fetchImage = (device: Terminal['device'], sku = 'BREAD') =>
  deviceCall(s, device as never, 'GET', `/offline/sync/catalog-images/${sku}`);

const listing = async (t: Tenant) =>
  (
    await s.call('GET', `/offline/catalog?tenant_type=${t.tenant_type}&tenant_id=${t.tenant_id}`, {
      token: ops,
    })
  ).body as CatalogListing;

describe('a product’s picture', () => {
  it('is kept in the database, listed, named by the item a till pulls next, and fetched by that till', async () => {
    const { t, till } = await shopWithBread();
    const first = await pull(till);
    expect(first.catalog[0]).not.toHaveProperty('image');

    const png = pngOf(64, 48);
    const saved = await put(t, png);
    expect(saved.status, saved.text).toBe(200);
    const ref = { sha256: sha(png), content_type: 'image/png' as const, width: 64, height: 48 };
    expect(saved.body).toEqual({ sku: 'BREAD', image: ref });
    expect((await listing(t)).items[0]!.image).toEqual(ref);
    const stored = await s.pool.query<{ bytes: Buffer }>(
      'SELECT bytes FROM offline_catalog_images WHERE tenant_id = $1 AND sku = $2',
      [t.tenant_id, 'BREAD'],
    );
    expect(stored.rows[0]!.bytes.equals(png)).toBe(true);

    // The till's next pull brings the item again, naming the picture, under the signed digest.
    const next = await pull(till, first.cursor);
    expect(next.catalog.map((i) => [i.sku, i.image])).toEqual([['BREAD', ref]]);
    expect(next.statement.answer_sha256).toBe(pullAnswerSha256(next));
    // The digest covers the picture's name: a proxy naming another picture breaks the statement.
    const swapped = next.catalog.map((i) => ({ ...i, image: { ...ref, sha256: sha(pngOf(64, 49)) } }));
    expect(pullAnswerSha256({ ...next, catalog: swapped })).not.toBe(next.statement.answer_sha256);
    const got = await fetchImage(till.device);
    expect(got.status, got.text).toBe(200);
    const body = got.body as CatalogImageBody;
    expect(Buffer.from(body.data_base64, 'base64').equals(png)).toBe(true);
    expect(body).toMatchObject(ref);
    // The back office reads it too.
    const console = await s.call('GET', imagePath(t), { token: ops });
    expect((console.body as CatalogImageBody).sha256).toBe(ref.sha256);

    // JPEG and WebP are told by their bytes as well; each replaces the one before.
    for (const [bytes, type] of [
      [jpegHead(300, 200), 'image/jpeg'],
      [webpHead(120, 90), 'image/webp'],
    ] as const) {
      const res = await put(t, bytes);
      expect([res.status, (res.body as { image: { content_type: string } }).image?.content_type]).toEqual([
        200,
        type,
      ]);
    }
    const audit = await s.pool.query<{ action: string; details: { sku: string } }>(
      `SELECT action, details FROM offline_audit_logs WHERE target_id = $1 AND action LIKE 'catalog.image%' ORDER BY id`,
      [`${t.tenant_type}:${t.tenant_id}`],
    );
    expect(audit.rows.map((r) => [r.action, r.details.sku])).toEqual([
      ['catalog.image_set', 'BREAD'],
      ['catalog.image_set', 'BREAD'],
      ['catalog.image_set', 'BREAD'],
    ]);

    // Removed: the till's next pull names none, and the picture is gone.
    const before = await pull(till, next.cursor);
    const removed = await s.call('DELETE', imagePath(t), { token: admin });
    expect(removed.body).toEqual({ sku: 'BREAD', removed: true });
    const after = await pull(till, before.cursor);
    expect(after.catalog).toHaveLength(1);
    expect(after.catalog[0]).not.toHaveProperty('image');
    expect(codeOf(await fetchImage(till.device))).toBe('IMAGE_NOT_FOUND');
  });

  it('refuses, each with its own code, what is not a small PNG, JPEG or WebP, and keeps nothing', async () => {
    const { t } = await shopWithBread();
    const gif = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.alloc(40)]);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const cut = pngOf(64, 64).subarray(0, 20);
    const big = Buffer.concat([pngOf(64, 64), Buffer.alloc(MAX_CATALOG_IMAGE_BYTES)]);
    for (const [bytes, status, code] of [
      [gif, 415, 'IMAGE_TYPE_UNSUPPORTED'],
      [svg, 415, 'IMAGE_TYPE_UNSUPPORTED'],
      [Buffer.alloc(0), 415, 'IMAGE_TYPE_UNSUPPORTED'],
      [cut, 422, 'IMAGE_INVALID'],
      [jpegHead(100, 100).subarray(0, 24), 422, 'IMAGE_INVALID'],
      [pngOf(2000, 16), 422, 'IMAGE_DIMENSIONS'],
      [pngOf(8, 8), 422, 'IMAGE_DIMENSIONS'],
      [webpHead(4000, 4000), 422, 'IMAGE_DIMENSIONS'],
      [big, 413, 'IMAGE_TOO_LARGE'],
    ] as const) {
      const res = await put(t, bytes);
      expect([res.status, codeOf(res)], code).toEqual([status, code]);
    }
    const notBase64 = await s.call('POST', imagePath(t), {
      token: admin,
      body: { data_base64: 'not base64!' },
    });
    expect(notBase64.status).toBe(400);
    const unknown = await put(t, pngOf(32, 32), admin, 'NOPE');
    expect([unknown.status, codeOf(unknown)]).toEqual([404, 'CATALOG_ITEM_NOT_FOUND']);
    expect((await listing(t)).items[0]).not.toHaveProperty('image');
    const rows = await s.pool.query('SELECT 1 FROM offline_catalog_images WHERE tenant_id = $1', [
      t.tenant_id,
    ]);
    expect(rows.rowCount).toBe(0);
  });
});

describe('who reaches a picture (attacks)', () => {
  it('ops may look but not change it; a till of another shop or a laptop cannot fetch it', async () => {
    const { t, till } = await shopWithBread();
    expect((await put(t, pngOf(32, 32))).status).toBe(200);
    const byOps = await put(t, pngOf(40, 40), ops);
    expect([byOps.status, codeOf(byOps)]).toEqual([403, 'FORBIDDEN']);
    const opsRemove = await s.call('DELETE', imagePath(t), { token: ops });
    expect([opsRemove.status, codeOf(opsRemove)]).toEqual([403, 'FORBIDDEN']);

    // Another shop's till asks for the same sku: its own tenant has none, whatever it names.
    const other = await shopWithBread();
    expect((await fetchImage(till.device)).status).toBe(200);
    const stranger = await fetchImage(other.till.device);
    expect([stranger.status, codeOf(stranger)]).toEqual([404, 'IMAGE_NOT_FOUND']);
    const laptop = await registerLaptop(
      s,
      (await s.user(`img-student-${++seq}@example.com`, ['student'])).token,
    );
    const byLaptop = await deviceCall(s, laptop, 'GET', '/offline/sync/catalog-images/BREAD');
    expect([byLaptop.status, codeOf(byLaptop)]).toEqual([403, 'DEVICE_NOT_TERMINAL']);
    // Unsigned: no picture.
    expect((await s.call('GET', '/offline/sync/catalog-images/BREAD')).status).toBe(401);
  });
});
