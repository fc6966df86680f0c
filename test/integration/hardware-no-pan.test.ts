import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HardwareEvent, SaleSummary } from '../../protocol/api';
import { connectHost, decryptedRows, filesHolding, filesUnder, type Frames } from '../support/leak-capture';
import type { Core } from '../../src-main/core';
import type { RealKeychain } from '../../src-main/core/store/test-support';
import type { Host } from '../../src-main/host/host';
import { startOfflineTill } from '../support/offline-till';
import { signedIn } from '../support/till';

/**
 * After a card sale through the real core (keychain, encrypted store) driven over the browser
 * host's WebSocket, the card number swiped through the demo MagTek reader appears nowhere: not in
 * the decrypted database, the raw files of the data directory, the console output, or the frames.
 */
const PAN = '4111111111111111';
let keychain: RealKeychain;
let core: Core | undefined;
let host: Host | undefined;
let dataDir: string;
const frames: Frames = { received: [], sent: [] };
let output: Awaited<ReturnType<typeof startOfflineTill>>['output'] | undefined;

beforeAll(async () => {
  ({ keychain, dataDir, core, host, output } = await startOfflineTill('outpost-nopan-'));
});

afterAll(async () => {
  await host?.close();
  await core?.close();
  output?.restore();
  await keychain?.cleanup();
});

describe('no full card number leaves native/ after a card sale', () => {
  it('is in no database row, data file, log line or WebSocket frame', async () => {
    const c = await connectHost(host!, frames);
    await c.call('hardware.demo.set', { on: true });
    const events = c.subscribe('hardware.events');

    // A bad swipe first (its partial track holds digits of the same card), then the good one.
    const bad = await c.call<HardwareEvent>('hardware.demo.swipe', { card: 'bad-swipe' });
    expect(bad).toMatchObject({ type: 'bad-swipe', reason: 'NO_END_SENTINEL' });
    const card = await c.call<HardwareEvent>('hardware.demo.swipe', { card: 'visa' });
    if (card.type !== 'card') throw new Error(`expected a card, got ${card.type}`);
    expect(card).toMatchObject({ brand: 'visa', last4: '1111' });
    // Brand and last four only: the expiry stays in the core (issue #18).
    expect(card).not.toHaveProperty('expiry');
    expect(await events.take(2)).toEqual(card);

    await signedIn(c.call);
    await c.call('pos.shift.open', { floatMinor: 0 });
    const sale = await c.call<SaleSummary>('pos.sale.capture', {
      lines: [{ sku: 'rice-1kg', name: 'Riz 1kg', qty: 2, unitPriceMinor: 1000, taxRateBp: 1800 }],
      tenders: [
        {
          type: 'card',
          amountMinor: 2360,
          approvalCode: '004217',
          brand: card.brand,
          last4: card.last4,
          token: card.token,
        },
      ],
    });
    expect(sale.tenders[0]).toMatchObject({ type: 'card', last4: '1111', brand: 'visa' });
    expect(await c.call('pos.receipt.print', { saleId: sale.saleId })).toMatchObject({ status: 'printed' });
    const printed = await c.call<{ picture: { lines: string[] } }>('hardware.demo.lastPrint');
    expect(printed.picture.lines.join('\n')).toContain('****1111');
    c.ws.close();

    await host!.close();
    host = undefined;
    await core!.close();
    core = undefined;
    output!.restore();

    // The database, decrypted with its key from the keychain: every row of every table.
    const dump = await decryptedRows(dataDir, keychain.keyStore);
    // The dump is real: the sale and its card token are in it, the number is not.
    expect(dump).toContain(sale.saleId);
    expect(dump).toContain(card.token);
    expect(dump).not.toContain(PAN);

    // Every file of the data directory, byte for byte (the database file, its WAL, JSON files…).
    expect((await filesUnder(dataDir)).some((f) => f.endsWith('outpost.sqlite'))).toBe(true);
    expect(await filesHolding(dataDir, PAN)).toEqual([]);

    // Console output was captured (the swipe was logged, by brand and last four digits only).
    const log = output!.lines.join('\n');
    expect(log).toContain('[hardware] swipe ok: visa');
    expect(log).not.toContain(PAN);

    // The frames were captured both ways: the token crossed, the number never did.
    const wire = [...frames.received, ...frames.sent].join('\n');
    expect(wire).toContain(card.token);
    expect(wire).not.toContain(PAN);
  });
});
