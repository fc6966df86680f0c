import { describe, expect, it } from 'vitest';
import { InMemoryKeyStoreForTests } from '../keystore/memory';
import { MC_TRACK2, VISA_TRACK1, VISA_TRACK2 } from './card/fixtures';
import { FIXED_NOW } from './card/test-support';
import type { SwipeResult } from './card/types';
import type { HidBackend, HidConnection, UsbBackend } from './discovery/backends';
import { classifyHid, classifyUsb, deviceId, type DiscoveredDevice } from './discovery/classify';
import { NodeHidBackend } from './discovery/node-hid-backend';
import { NodeUsbBackend } from './discovery/usb-backend';
import { isHardwareError } from './errors';
import { HardwareManager, type DeviceChange, type RoleStatus } from './manager';
import type { ScanResult } from './scanner/types';
import { hidMsrReport, keyboardReaderReports, magneSafeReport, magTekReport } from './sim/card-readers';
import { keyboardDescriptor, msrReportDescriptor, vendorReportDescriptor } from './sim/descriptors';
import { withReportId } from './sim/keyboard';
import { SimulatedEscPosPrinter } from './sim/escpos-printer';
import { hidPosReports } from './sim/scanners';

class FakeHid implements HidBackend {
  devices: DiscoveredDevice[] = [];
  connections = new Map<string, { feed: (r: Buffer) => void; fail: (e: Error) => void }>();
  async list() {
    return this.devices;
  }
  descriptors = new Map<string, Uint8Array>();
  async open(path: string): Promise<HidConnection> {
    const c = { feed: (_r: Buffer) => {}, fail: (_e: Error) => {} };
    this.connections.set(path, c);
    const reportDescriptor = this.descriptors.get(path);
    return {
      ...(reportDescriptor ? { reportDescriptor } : {}),
      onReport: (l) => (c.feed = l),
      onError: (l) => (c.fail = l),
      close: async () => void this.connections.delete(path),
    };
  }
}

class FakeUsb implements UsbBackend {
  devices: DiscoveredDevice[] = [];
  printer = new SimulatedEscPosPrinter();
  async list() {
    return this.devices;
  }
  async openPrinter() {
    return this.printer;
  }
  watch() {
    return () => undefined;
  }
}

function hidDevice(
  vendorId: number,
  productId: number,
  path: string,
  usagePage: number,
  usage: number,
  serialNumber?: string,
) {
  const base = { vendorId, productId, path, usagePage, usage, ...(serialNumber ? { serialNumber } : {}) };
  return { ...base, bus: 'hid' as const, id: deviceId(base), ...classifyHid(base) };
}

function setup() {
  const hid = new FakeHid();
  const usb = new FakeUsb();
  const m = new HardwareManager({
    keyStore: new InMemoryKeyStoreForTests(),
    hid,
    usb,
    now: () => FIXED_NOW,
    monotonic: () => 0,
  });
  const swipes: SwipeResult[] = [];
  const scans: ScanResult[] = [];
  const changes: DeviceChange[] = [];
  const statuses: RoleStatus[] = [];
  m.onSwipe((s) => swipes.push(s));
  m.onScan((s) => scans.push(s));
  m.onDeviceChange((c) => changes.push(c));
  m.onStatus((s) => statuses.push(s));
  return { hid, usb, m, swipes, scans, changes, statuses };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('classification', () => {
  it('classifies by usage page, then vendor', () => {
    expect(classifyHid({ vendorId: 0x0801, usagePage: 0xff00, usage: 1 })).toEqual({
      category: 'card-reader',
      cardFormat: 'magtek',
    });
    expect(classifyHid({ vendorId: 0x0801, usagePage: 1, usage: 6 })).toEqual({
      category: 'card-reader',
      cardFormat: 'keyboard',
    });
    expect(classifyHid({ vendorId: 0x0acd, usagePage: 0xff00, usage: 1 })).toEqual({
      category: 'card-reader',
      cardFormat: 'idtech',
    });
    expect(classifyHid({ vendorId: 0x0c2e, usagePage: 0x8c, usage: 2 })).toEqual({
      category: 'scanner-hid-pos',
    });
    expect(classifyHid({ vendorId: 0x05e0, usagePage: 1, usage: 6 })).toEqual({ category: 'keyboard-wedge' });
    expect(classifyHid({ vendorId: 0x1234, usagePage: 1, usage: 2 })).toEqual({ category: 'unknown' });
    expect(classifyUsb({ vendorId: 0x1234, interfaceClasses: [7] })).toBe('printer');
    expect(classifyUsb({ vendorId: 0x04b8, interfaceClasses: [0xff] })).toBe('printer');
    expect(classifyUsb({ vendorId: 0x04b8, interfaceClasses: [3] })).toBe('unknown');
  });

  it('identifies a device by vendor, product and serial, else path', () => {
    expect(deviceId({ vendorId: 0x801, productId: 2, serialNumber: 'B1234', path: '/dev/hidraw3' })).toBe(
      '0801:0002:sn:B1234',
    );
    expect(deviceId({ vendorId: 0x801, productId: 2, path: '/dev/hidraw3' })).toBe(
      '0801:0002:path:/dev/hidraw3',
    );
  });
});

describe('real backends on a machine without devices', () => {
  it('list nothing (node-hid loads; no USB bus is not an error)', async () => {
    expect(await new NodeHidBackend().list()).toEqual([]);
    expect(await new NodeUsbBackend().list()).toEqual([]);
  });
});

describe('HardwareManager', () => {
  it('emits attach/detach and keeps a chosen reader across a re-plug on another path', async () => {
    const { hid, m, swipes, changes } = setup();
    const reader = hidDevice(0x0801, 0x0002, '/dev/hidraw1', 0xff00, 1, 'B0001');
    hid.devices = [reader];
    await m.choose('cardReader', { deviceId: reader.id });
    expect(m.status('cardReader')).toMatchObject({ state: 'connected', deviceId: reader.id });
    hid.connections
      .get('/dev/hidraw1')
      ?.feed(Buffer.from(magTekReport({ track1: VISA_TRACK1, track2: VISA_TRACK2 })));
    hid.devices = [];
    await m.refresh();
    expect(m.status('cardReader')).toMatchObject({ state: 'disconnected', lastEvent: { kind: 'detached' } });
    const replugged = hidDevice(0x0801, 0x0002, '/dev/hidraw7', 0xff00, 1, 'B0001');
    hid.devices = [replugged];
    await m.refresh();
    expect(replugged.id).toBe(reader.id);
    expect(m.status('cardReader').state).toBe('connected');
    hid.connections.get('/dev/hidraw7')?.feed(Buffer.from(magTekReport({ track2: VISA_TRACK2 })));
    await tick();
    await tick();
    expect(swipes.map((s) => (s.ok ? s.last4 : s.reason))).toEqual(['1111', '1111']);
    expect(changes.map((c) => c.type)).toEqual(['attach', 'detach', 'attach']);
  });

  it('lets the report descriptor, not the vendor ID, choose the card reader layout', async () => {
    const { hid, m, swipes } = setup();
    // A MagTek-vendor device on a vendor page, whose descriptor declares a boot keyboard with a
    // report ID: keyboard emulation, 9-byte reports.
    const reader = hidDevice(0x0801, 0x0011, '/dev/hidraw3', 0xff00, 1, 'K1');
    expect(reader.cardFormat).toBe('magtek');
    hid.devices = [reader];
    hid.descriptors.set('/dev/hidraw3', keyboardDescriptor(2));
    await m.choose('cardReader', { deviceId: reader.id });
    const typed = withReportId(keyboardReaderReports({ track2: VISA_TRACK2 }, { layout: 'us' }), 2);
    for (const r of typed) hid.connections.get('/dev/hidraw3')?.feed(Buffer.from(r));
    // An unknown vendor whose descriptor declares an 887-byte input report: MagneSafe.
    const unknown = hidDevice(0x1234, 0x0001, '/dev/hidraw4', 0xff00, 1, 'M1');
    expect(unknown.cardFormat).toBeUndefined();
    hid.devices = [reader, unknown];
    hid.descriptors.set('/dev/hidraw4', vendorReportDescriptor(887));
    await m.refresh();
    await m.choose('cardReader', { deviceId: unknown.id });
    hid.connections.get('/dev/hidraw4')?.feed(Buffer.from(magneSafeReport({ track2: MC_TRACK2 })));
    await tick();
    await tick();
    expect(swipes.map((s) => (s.ok ? s.last4 : s.reason))).toEqual(['1111', '4444']);
  });

  it('reads a reader on the standard MSR page (0x8E) where its descriptor puts the tracks', async () => {
    const { hid, m, swipes } = setup();
    // An unknown vendor on page 0x8E: classified a card reader with no format; the descriptor's
    // Track Length / Track Data usages (under report ID 5) choose and place the decoder.
    const reader = hidDevice(0x1234, 0x0002, '/dev/hidraw5', 0x8e, 1, 'S1');
    expect(reader).toMatchObject({ category: 'card-reader' });
    expect(reader.cardFormat).toBeUndefined();
    hid.devices = [reader];
    hid.descriptors.set('/dev/hidraw5', msrReportDescriptor(5));
    await m.choose('cardReader', { deviceId: reader.id });
    const report = Buffer.from(hidMsrReport({ track2: MC_TRACK2 }, { reportId: 5 }));
    hid.connections.get('/dev/hidraw5')?.feed(report);
    await tick();
    await tick();
    expect(swipes.map((s) => (s.ok ? `${s.brand} ${s.last4}` : s.reason))).toEqual(['mastercard 4444']);
    expect(report.every((b) => b === 0)).toBe(true);
  });

  it('zeroes the HID buffer after a card reader consumed it', async () => {
    const { hid, m } = setup();
    const reader = hidDevice(0x0801, 0x0002, '/dev/hidraw1', 0xff00, 1, 'B0001');
    hid.devices = [reader];
    await m.choose('cardReader', { deviceId: reader.id });
    const report = Buffer.from(magTekReport({ track2: VISA_TRACK2 }));
    hid.connections.get('/dev/hidraw1')?.feed(report);
    expect(report.every((b) => b === 0)).toBe(true);
  });

  it('routes a HID POS scanner and marks I/O errors', async () => {
    const { hid, m, scans } = setup();
    const scanner = hidDevice(0x0c2e, 0x0b87, '/dev/hidraw2', 0x8c, 2);
    hid.devices = [scanner];
    await m.choose('scanner', { deviceId: scanner.id });
    for (const r of hidPosReports('4006381333931', ']E0'))
      hid.connections.get('/dev/hidraw2')?.feed(Buffer.from(r));
    expect(scans).toMatchObject([{ data: '4006381333931', gtin: { kind: 'GTIN-13' } }]);
    hid.connections.get('/dev/hidraw2')?.fail(new Error('read error'));
    expect(m.status('scanner')).toMatchObject({ state: 'error', lastEvent: { kind: 'io-error' } });
  });

  it('prints through the chosen USB printer and reports a missing one', async () => {
    const { usb, m } = setup();
    await expect(m.print('j1', { currency: 'XOF', items: [], totals: [] })).rejects.toSatisfy((e) =>
      isHardwareError(e, 'PRINTER_DISCONNECTED'),
    );
    const printer = {
      id: '04b8:0e15:sn:X1',
      bus: 'usb' as const,
      vendorId: 0x04b8,
      productId: 0x0e15,
      path: 'usb:1:4',
      serialNumber: 'X1',
      category: 'printer' as const,
    };
    usb.devices = [printer];
    await m.choose('printer', { deviceId: printer.id });
    const receipt = {
      currency: 'XOF',
      items: [{ name: 'Pain', qty: 1, unitPrice: 150 }],
      totals: [{ label: 'TOTAL', amount: 150 }],
    };
    expect(await m.print('j1', receipt)).toEqual({ jobId: 'j1', status: 'printed' });
    expect(await m.print('j1', receipt)).toEqual({ jobId: 'j1', status: 'already-printed' });
    usb.printer.state.paperOut = true;
    await expect(m.print('j2', receipt)).rejects.toSatisfy((e) => isHardwareError(e, 'PAPER_OUT'));
    expect(m.status('printer')).toMatchObject({ state: 'error', lastEvent: { kind: 'PAPER_OUT' } });
  });

  it('demo mode swaps every role for its simulator', async () => {
    const { m, swipes, scans } = setup();
    await m.setDemo(true);
    expect(m.status('cardReader')).toMatchObject({
      state: 'connected',
      demo: true,
      deviceId: 'demo:cardReader',
    });
    m.demo?.swipe({ track1: VISA_TRACK1, track2: VISA_TRACK2 });
    m.demo?.scan('96385074', ']E4');
    await tick();
    await tick();
    expect(swipes).toMatchObject([{ ok: true, last4: '1111' }]);
    expect(scans).toMatchObject([{ data: '96385074', symbology: 'ean-8' }]);
    expect(
      await m.print('d1', { currency: 'EUR', items: [], totals: [{ label: 'Total', amount: 0 }] }),
    ).toMatchObject({ status: 'printed' });
    expect(m.demo?.printer.printed.length).toBeGreaterThan(0);
    await m.setDemo(false);
    expect(m.status('printer').state).toBe('disconnected');
  });

  it('nine receipts in a row on the demo printer: nine jobs printed, the printer still there after each', async () => {
    const { m } = setup();
    await m.setDemo(true);
    const sim = m.demo!.printer;
    const receipt = (n: number) => ({
      currency: 'XOF',
      header: ['Boutique Awa'],
      items: [{ name: `Pain ${n}`, qty: 1, unitPrice: 150 }],
      totals: [{ label: 'TOTAL', amount: 150 }],
      qr: `outpost-receipt:${n}`,
    });
    const sizes: number[] = [];
    for (let n = 1; n <= 9; n++) {
      const before = sim.bytesReceived;
      expect(await m.print(`sale:${n}:1`, receipt(n))).toEqual({ jobId: `sale:${n}:1`, status: 'printed' });
      sizes.push(sim.bytesReceived - before);
      // The till prints only while the printer role names a device: losing it stopped every later receipt.
      expect(m.status('printer')).toMatchObject({ state: 'connected', deviceId: 'demo:printer' });
    }
    expect(sim.printed.filter((e) => e.kind === 'cut')).toHaveLength(9);
    expect(sim.printed.filter((e) => e.kind === 'qr').map((e) => e.kind === 'qr' && e.data)).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `outpost-receipt:${n}`),
    );
    // Byte-exact: the same receipt shape each time, so every job after the first is the first's size.
    expect(new Set(sizes).size).toBe(1);
    expect(sim.unknownCommands).toEqual([]);
  });

  it('a choice made in demo mode keeps the simulators and applies when demo mode ends', async () => {
    const { m, hid, swipes } = setup();
    const reader = hidDevice(0x0801, 0x0011, '/dev/hidraw3', 0xff00, 0x01, 'MT1');
    hid.devices = [reader];
    await m.setDemo(true);
    await m.choose('cardReader', { deviceId: reader.id });
    expect(m.choices().cardReader).toEqual({ deviceId: reader.id });
    m.demo?.swipeSample('visa');
    m.demo?.swipeSample('bad-swipe');
    m.demo?.swipeSample('expired');
    await tick();
    await tick();
    expect(swipes).toMatchObject([
      { ok: true, brand: 'visa', last4: '1111' },
      { ok: false, reason: 'NO_END_SENTINEL' },
      { ok: false, reason: 'CARD_EXPIRED' },
    ]);
    await m.setDemo(false);
    expect(m.status('cardReader')).toMatchObject({ state: 'connected', deviceId: reader.id, demo: false });
  });
});
