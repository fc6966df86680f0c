import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HardwareEvent, SaleSummary } from '../../protocol/api';
import { FakeHid, hidDevice, NoUsb } from '../../native/hardware/discovery/test-support';
import {
  SIM_KSN_HEX,
  SIM_SESSION_ID_HEX,
  chunkReports,
  idTechPacket,
  magneSafeReport,
} from '../../native/hardware/sim/card-readers';
import { connectHost, decryptedRows, filesHolding, filesUnder, type Frames } from '../support/leak-capture';
import type { Core } from '../../src-main/core';
import type { RealKeychain } from '../../src-main/core/store/test-support';
import type { Host } from '../../src-main/host/host';
import { startOfflineTill } from '../support/offline-till';
import { signedIn } from '../support/till';

/**
 * Attack (issue #18, item 10): card readers in encrypted mode, as shops get them, on the card
 * reader's port. A MagTek eDynamo sends its 887-byte MagneSafe report (ciphertext, KSN, encrypted
 * session ID, and the masked tracks in the clear); an ID TECH SecureMag sends its Enhanced packet
 * over 64-byte reports (masked tracks, ciphertext, hashes, KSN). Through the real core (OS keychain,
 * encrypted store) and the browser host's WebSocket, a card sale is made from each swipe; then the
 * decrypted database, every file of the data directory, the console output and every frame are
 * searched for the card numbers, their masked forms, the first twelve digits, the KSN, the session
 * ID and the cardholder's name. Only brand and last four cross.
 */
const VISA = {
  track1: '%B4111111111111111^DOE/JOHN^2812101000000000?',
  track2: ';4111111111111111=28121010000000000?',
};
const MC = {
  track1: '%B5555555555554444^NDIAYE/AWA.MME^2703201000?',
  track2: ';5555555555554444=27032010000?',
};
const SECRETS = [
  '4111111111111111',
  '411111111111',
  '4111000000001111',
  '4111********1111',
  '5555555555554444',
  '555555555555',
  '5555********4444',
  SIM_KSN_HEX,
  SIM_KSN_HEX.toUpperCase(),
  SIM_SESSION_ID_HEX,
  SIM_SESSION_ID_HEX.toUpperCase(),
  'DOE/JOHN',
  'NDIAYE',
];

const EDYNAMO = hidDevice({
  vendorId: 0x0801,
  productId: 0x0002,
  path: '/dev/hidraw5',
  serialNumber: 'B58E2F1',
  usagePage: 0xff00,
  usage: 0x01,
});
const SECUREMAG = hidDevice({
  vendorId: 0x0acd,
  productId: 0x2010,
  path: '/dev/hidraw6',
  serialNumber: 'SM-0042',
  usagePage: 0xff00,
  usage: 0x01,
});

let keychain: RealKeychain;
let core: Core | undefined;
let host: Host | undefined;
let dataDir: string;
const hid = new FakeHid([EDYNAMO, SECUREMAG]);
const frames: Frames = { received: [], sent: [] };
let output: Awaited<ReturnType<typeof startOfflineTill>>['output'] | undefined;

beforeAll(async () => {
  ({ keychain, dataDir, core, host, output } = await startOfflineTill('outpost-encreader-', {
    hid,
    usb: new NoUsb(),
    pollMs: 60_000,
  }));
});

afterAll(async () => {
  await host?.close();
  await core?.close();
  output?.restore();
  await keychain?.cleanup();
});

describe('card readers in encrypted mode', () => {
  it('sell by brand and last four; no card number, masked track, KSN or name is stored, logged or sent', async () => {
    const c = await connectHost(host!, frames);
    const events = c.subscribe('hardware.events');
    await c.call('hardware.list');
    let seen = 0;
    const nextEvent = async () => (await events.take(++seen)) as HardwareEvent;
    await signedIn(c.call);
    await c.call('pos.shift.open', { floatMinor: 0 });

    const sell = async (card: HardwareEvent, approvalCode: string) => {
      if (card.type !== 'card') throw new Error(`expected a card, got ${card.type}`);
      return c.call<SaleSummary>('pos.sale.capture', {
        lines: [{ sku: 'rice-1kg', name: 'Riz 1kg', qty: 1, unitPriceMinor: 1000, taxRateBp: 1800 }],
        tenders: [{ type: 'card', amountMinor: 1180, approvalCode, brand: card.brand, last4: card.last4 }],
      });
    };

    // The eDynamo, chosen as the card reader: one 887-byte report, then a track-read error.
    await c.call('hardware.choose', { role: 'cardReader', choice: { deviceId: EDYNAMO.id } });
    hid.send(EDYNAMO, [magneSafeReport(VISA, { encrypted: true, serial: 'B58E2F1' })]);
    const visa = await nextEvent();
    expect(visa).toEqual({ type: 'card', at: expect.any(String), brand: 'visa', last4: '1111' });
    hid.send(EDYNAMO, [magneSafeReport({ track1: 'error', track2: 'error' }, { encrypted: true })]);
    expect(await nextEvent()).toMatchObject({ type: 'bad-swipe', reason: 'UNREADABLE_TRACK' });
    const visaSale = await sell(visa, '004217');
    expect(visaSale.tenders[0]).toMatchObject({ type: 'card', brand: 'visa', last4: '1111' });

    // The SecureMag, chosen instead: its packet split over 64-byte reports, masked with '*'.
    await c.call('hardware.choose', { role: 'cardReader', choice: { deviceId: SECUREMAG.id } });
    hid.send(SECUREMAG, chunkReports(idTechPacket(MC, { encrypted: true })));
    const mc = await nextEvent();
    expect(mc).toEqual({ type: 'card', at: expect.any(String), brand: 'mastercard', last4: '4444' });
    const mcSale = await sell(mc, '118833');
    c.ws.close();

    await host!.close();
    host = undefined;
    await core!.close();
    core = undefined;
    output!.restore();

    // The searches are real: the sales are in the database, the swipes in the log, the events on the wire.
    const rows = await decryptedRows(dataDir, keychain.keyStore);
    expect(rows).toContain(visaSale.saleId);
    expect(rows).toContain(mcSale.saleId);
    expect((await filesUnder(dataDir)).some((f) => f.endsWith('outpost.sqlite'))).toBe(true);
    const log = output!.lines.join('\n');
    expect(log).toContain('[hardware] swipe ok: visa …1111');
    expect(log).toContain('[hardware] swipe ok: mastercard …4444');
    const wire = [...frames.received, ...frames.sent].join('\n');
    expect(wire).toContain('"last4":"4444"');
    for (const secret of SECRETS) {
      expect(rows, secret).not.toContain(secret);
      expect(log, secret).not.toContain(secret);
      expect(wire, secret).not.toContain(secret);
      expect(await filesHolding(dataDir, secret), secret).toEqual([]);
    }
  }, 120_000);
});
