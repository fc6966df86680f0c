import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogEntry, HardwareEvent, SaleSummary } from '../../protocol/api';
import type { HidBackend, HidConnection } from '../../native/hardware/discovery/backends';
import { NoUsb } from '../../native/hardware/discovery/test-support';
import { classifyHid, deviceId, type DiscoveredDevice } from '../../native/hardware/discovery/classify';
import { DEMO_CARDS } from '../../native/hardware/sim/demo-cards';
import { wedgeReports } from '../../native/hardware/sim/scanners';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { createCore, type Core } from '../../src-main/core';
import { realKeychain, type RealKeychain } from '../../src-main/core/store/test-support';
import { startHost, type Host } from '../../src-main/host/host';
import {
  CallRefused,
  captureOutput,
  connectHost,
  decryptedRows,
  filesHolding,
  type Frames,
} from '../support/leak-capture';
import { SN_POLICY_INPUT } from '../support/sn-policy';
import { signedIn } from '../support/till';

/**
 * Attack (issue #16, item 7): a magstripe reader set up as a keyboard scanner. Its tracks arrive as
 * keyboard reports on the scanner's port, exactly as a keyboard-wedge scanner's barcodes do, and the
 * same text can be typed into the till's search box. Against the real server (PostgreSQL), the real
 * core (OS keychain, encrypted store) and the browser host's WebSocket, no card number reaches the
 * renderer, the logs, the data directory or the decrypted database, and refusals carry
 * CARD_DATA_DISCARDED. Product codes, including one that is Luhn-valid by chance, still sell.
 */
const SWIPES = {
  visa: `${DEMO_CARDS.visa.track1}${DEMO_CARDS.visa.track2}`,
  mastercard: `${DEMO_CARDS.mastercard.track1}${DEMO_CARDS.mastercard.track2}`,
  amex: DEMO_CARDS.amex.track2,
  embossed: '5500 0055 5555 5559',
};
/** Luhn- and GS1-valid, like a card number and a product code: not in the catalog, so card data. */
const MAYBE_CARD = '4006381333924';
const PANS = [
  '4111111111111111',
  '4111 1111 1111 1111',
  '5555555555554444',
  '378282246310005',
  '5500005555555559',
  MAYBE_CARD,
];
/** Real EAN-13s: a Stabilo pen (not Luhn-valid) and GS1's own example (Luhn-valid by chance). */
const PEN = '4006381333931';
const GS1_EXAMPLE = '5901234123457';

const keyboard = (() => {
  const base = { vendorId: 0x1a86, productId: 0x0011, path: '/dev/hidraw8', serialNumber: 'KB-1' };
  const info = { ...base, usagePage: 0x01, usage: 0x06 };
  return {
    ...info,
    bus: 'hid' as const,
    id: deviceId(base),
    ...classifyHid(info),
  } satisfies DiscoveredDevice;
})();

/** No HID device exists on our machines: this bus lists one plain keyboard and hands us its listener. */
class OneKeyboard implements HidBackend {
  listener: ((report: Buffer) => void) | undefined;
  async list() {
    return [keyboard];
  }
  async open(): Promise<HidConnection> {
    return {
      onReport: (listener) => void (this.listener = listener),
      onError: () => undefined,
      close: async () => void (this.listener = undefined),
    };
  }
}
let server: TestServer;
let keychain: RealKeychain;
let core: Core | undefined;
let host: Host | undefined;
let dataDir: string;
const hid = new OneKeyboard();
let clock = 0;
const frames: Frames = { received: [], sent: [] };
let capture: ReturnType<typeof captureOutput> | undefined;

/** The simulated wedge's boot reports, 4 ms apart, Enter at the end: what the device sends. */
function typeOnScannerPort(text: string): void {
  if (!hid.listener) throw new Error('the scanner is not open');
  clock += 1000;
  for (const { report, at } of wedgeReports(text, { layout: 'us', start: clock })) {
    clock = at;
    hid.listener(Buffer.from(report));
  }
}

beforeAll(async () => {
  server = await startTestServer();
  keychain = await realKeychain();
  const admin = await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin', 'ops']);
  expect(
    (await server.call('POST', '/offline/policies', { token: admin.token, body: SN_POLICY_INPUT })).status,
  ).toBe(200);
  const item = (sku: string, barcode: string, name: string) => ({
    sku,
    barcode,
    name,
    price_minor: 1000,
    currency: 'XOF',
    tax_rate_bp: 1800,
    active: true,
  });
  const catalog = await server.call('POST', '/offline/catalog', {
    token: admin.token,
    body: {
      tenant_type: 'merchant',
      tenant_id: 'shop-42',
      items: [item('pen', PEN, 'Stylo'), item('gs1-example', GS1_EXAMPLE, 'Exemple GS1')],
    },
  });
  expect(catalog.status).toBeLessThan(300);
  const issued = await server.call('POST', '/offline/enrollment-codes', {
    token: admin.token,
    body: { tenant_type: 'merchant', tenant_id: 'shop-42', country: 'SN', currency_default: 'XOF' },
  });

  dataDir = await mkdtemp(join(tmpdir(), 'outpost-cardscan-'));
  const rendererDir = join(dataDir, '..', `renderer-${randomUUID()}`);
  await mkdir(rendererDir);
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Outpost</title>');
  capture = captureOutput();
  core = await createCore({
    dataDir,
    appVersion: '0.0.0-test',
    platform: 'linux',
    defaultServerUrl: server.url,
    keyStore: keychain.keyStore,
    reachabilityIntervalMs: 100,
    hardware: { hid, usb: new NoUsb(), pollMs: 60_000, monotonic: () => clock },
  });
  host = await startHost({ handlers: core.handlers, rendererDir });
  const c = await connectHost(host, frames);
  await c.call('enrollment.redeemCode', { code: (issued.body as { code: string }).code });
  // The catalog comes with the first pull.
  for (let i = 0; ; i++) {
    await c.call('sync.now');
    const { item: pen } = await c.call<{ item: CatalogEntry | null }>('pos.catalog.byBarcode', {
      barcode: PEN,
    });
    if (pen) break;
    if (i > 50) throw new Error('the catalog never arrived');
  }
  c.ws.close();
}, 120_000);

afterAll(async () => {
  await host?.close();
  await core?.close();
  capture?.restore();
  await keychain?.cleanup();
  await server?.close();
});

describe('a magstripe reader set up as a keyboard scanner', () => {
  it('never gets a card number to the renderer, logs, data files or database, and product codes still sell', async () => {
    const c = await connectHost(host!, frames);
    await c.call('hardware.choose', { role: 'scanner', choice: { deviceId: keyboard.id } });
    const events = c.subscribe('hardware.events');
    // Messages are handled in order: once this answers, the subscription is open (nothing is replayed).
    await c.call('hardware.list');
    let seen = 0;
    const nextEvent = async () => (await events.take(++seen)) as HardwareEvent;

    // Swipes on the scanner's port: dropped in the driver; the till hears only that it happened.
    for (const swipe of [...Object.values(SWIPES), MAYBE_CARD]) {
      typeOnScannerPort(swipe);
      expect(await nextEvent()).toEqual({
        type: 'scan-discarded',
        at: expect.any(String),
        code: 'CARD_DATA_DISCARDED',
      });
    }

    // Real EAN-13s still scan and sell, the one that is Luhn-valid by chance too: the catalog has it.
    await signedIn(c.call);
    await c.call('pos.shift.open', { floatMinor: 0 });
    const sales: SaleSummary[] = [];
    for (const code of [PEN, GS1_EXAMPLE]) {
      typeOnScannerPort(code);
      expect(await nextEvent()).toMatchObject({ type: 'scan', text: code, gtin: code });
      const { item } = await c.call<{ item: CatalogEntry | null }>('pos.catalog.byBarcode', {
        barcode: code,
      });
      expect(item?.barcode).toBe(code);
      sales.push(
        await c.call<SaleSummary>('pos.sale.capture', {
          lines: [{ sku: item!.sku, name: item!.name, qty: 1, unitPriceMinor: 1000, taxRateBp: 1800 }],
          tenders: [{ type: 'cash', amountMinor: 1180 }],
        }),
      );
    }

    // The same tracks typed into the till's search box and sent as a renderer would: refused by
    // name, never looked up, never repeated.
    const refusals: [string, object][] = [
      ['pos.catalog.search', { query: SWIPES.visa.slice(0, 100) }],
      ['pos.catalog.search', { query: SWIPES.embossed }],
      ['pos.catalog.byBarcode', { barcode: '4111111111111111' }],
      ['pos.catalog.byBarcode', { barcode: '30569309025904' }],
      ['pos.catalog.byBarcode', { barcode: MAYBE_CARD }],
      ['hardware.demo.scan', { text: SWIPES.mastercard }],
      // Typed into the card tender's token field, grouped as embossed: never stored with the sale.
      [
        'pos.sale.capture',
        {
          lines: [{ sku: 'pen', name: 'Stylo', qty: 1, unitPriceMinor: 1000, taxRateBp: 1800 }],
          tenders: [
            {
              type: 'card',
              amountMinor: 1180,
              approvalCode: 'A1B2C3',
              brand: 'visa',
              last4: '1111',
              token: '4111 1111 1111 1111',
            },
          ],
        },
      ],
      // Free text the cashier types, where the same reader can type: a line name, a void's reason.
      [
        'pos.sale.capture',
        {
          lines: [
            { sku: 'pen', name: 'Stylo 5500-0055-5555-5559', qty: 1, unitPriceMinor: 1000, taxRateBp: 1800 },
          ],
          tenders: [{ type: 'cash', amountMinor: 1180 }],
        },
      ],
      ['pos.sale.void', { originalSaleId: sales[0]!.saleId, reason: SWIPES.amex }],
      // Every other POS command with text (red-team pass 7, L-a: these were stored and echoed).
      [
        'pos.cart.save',
        {
          lines: [{ sku: 'pen', name: '4111 1111 1111 1111', qty: 1, unitPriceMinor: 1000, taxRateBp: 1800 }],
        },
      ],
      ['pos.cart.park', { label: '5555555555554444' }],
      // Red-team pass 8, L-3 and L-b: spellings outside the rule were stored in the cart.
      ...[
        '4111.11.11.1111.1111',
        '41 11 11 11 11 11 11 11',
        '٤١١١ ١١١١ ١١١١ ١١١١',
        "5B'&&&&&&&&&&&&&&&6DOE!JOHN6é(&é&à&§",
      ].map((text): [string, object] => [
        'pos.cart.save',
        { lines: [{ sku: text, name: text, qty: 1, unitPriceMinor: 1000, taxRateBp: 1800 }] },
      ]),
      ['pos.drawer.move', { direction: 'in', amountMinor: 10, reason: 'card 4111 1111 1111 1111' }],
      ['pos.cashier.set', { cashierId: 'c9', name: '4111 1111 1111 1111', role: 'cashier', pin: '9999' }],
    ];
    for (const [method, input] of refusals) {
      const refused = await c.call(method, input).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused, method).toBeInstanceOf(CallRefused);
      expect((refused as CallRefused).code, method).toBe('CARD_DATA_DISCARDED');
      expect((refused as CallRefused).message).toBe(
        'Card data was read by the scanner; it was discarded. Use the card reader.',
      );
    }
    c.ws.close();

    await host!.close();
    host = undefined;
    await core!.close();
    core = undefined;
    capture!.restore();

    // The frames were captured: the attack went out in them, and what came back to the renderer
    // holds the discards and the product codes, and no card number.
    expect(frames.sent.join('\n')).toContain('4111111111111111');
    const wire = frames.received.join('\n');
    expect(wire).toContain('scan-discarded');
    expect(wire).toContain(GS1_EXAMPLE);
    // The log says the scanner driver dropped card data (repeats are said once), and holds none of it.
    const log = capture!.lines.join('\n');
    expect(log).toContain('[hardware] scan discarded: card data read by the keyboard-wedge scanner');
    // The decrypted database holds the two sales of scanned products.
    const rows = await decryptedRows(dataDir, keychain.keyStore);
    expect(rows).toContain('gs1-example');
    for (const pan of PANS) {
      for (const text of [pan, pan.slice(0, 12)]) {
        expect(wire, text).not.toContain(text);
        expect(log, text).not.toContain(text);
        expect(rows, text).not.toContain(text);
        expect(await filesHolding(dataDir, text), text).toEqual([]);
      }
    }
    expect(wire).not.toContain('DEMO/CARD');
    expect(log).not.toContain('DEMO/CARD');
  }, 120_000);
});
