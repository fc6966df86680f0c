import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { HidBackend, HidConnection, UsbBackend } from '../../../native/hardware/discovery/backends';
import { classifyHid, deviceId, type DiscoveredDevice } from '../../../native/hardware/discovery/classify';
import { InMemoryKeyStoreForTests } from '../../../native/keystore/memory';
import type { HardwareService } from './hardware-service';
import { startHardware } from './handlers';

/**
 * The service around HardwareManager: what Settings chose and which print jobs completed survive a
 * restart. No USB or HID device exists on our machines, so the buses are stand-ins listing one
 * MagTek reader; demo hardware is the real simulators.
 */
const reader = (() => {
  const base = { vendorId: 0x0801, productId: 0x0011, path: '/dev/hidraw7', serialNumber: 'MT-42' };
  const info = { ...base, usagePage: 0xff00, usage: 0x01 };
  return {
    ...info,
    bus: 'hid' as const,
    id: deviceId(base),
    ...classifyHid(info),
  } satisfies DiscoveredDevice;
})();

class OneReaderHid implements HidBackend {
  async list() {
    return [reader];
  }
  async open(): Promise<HidConnection> {
    return { onReport: () => undefined, onError: () => undefined, close: async () => undefined };
  }
}
class NoUsb implements UsbBackend {
  async list() {
    return [];
  }
  async openPrinter(): Promise<never> {
    throw new Error('no printer');
  }
  watch() {
    return () => undefined;
  }
}

const dirs: string[] = [];
const running: HardwareService[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const keyStore = new InMemoryKeyStoreForTests();
async function start(dataDir: string): Promise<HardwareService> {
  const service = await startHardware(dataDir, keyStore, {
    hid: new OneReaderHid(),
    usb: new NoUsb(),
    pollMs: 60_000,
  });
  running.push(service);
  return service;
}
async function restart(service: HardwareService, dataDir: string): Promise<HardwareService> {
  running.splice(running.indexOf(service), 1);
  await service.close();
  return start(dataDir);
}
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'outpost-hw-'));
  dirs.push(dir);
  return dir;
}
const receipt = {
  currency: 'XOF',
  items: [{ name: 'Café', qty: 1, unitPrice: 500 }],
  totals: [{ label: 'TOTAL', amount: 500, emphasis: true }],
};

describe('hardware service', () => {
  it('keeps the chosen card reader across a restart and opens it when present', async () => {
    const dir = await dataDir();
    let service = await start(dir);
    const state = await service.choose('cardReader', { deviceId: reader.id, layout: 'fr-azerty' });
    expect(state.devices.map((d) => d.id)).toEqual([reader.id]);
    expect(state.roles.find((r) => r.role === 'cardReader')).toMatchObject({ state: 'connected' });

    service = await restart(service, dir);
    const after = await service.state();
    expect(after.choices.cardReader).toEqual({ deviceId: reader.id, layout: 'fr-azerty' });
    expect(after.roles.find((r) => r.role === 'cardReader')).toMatchObject({
      state: 'connected',
      deviceId: reader.id,
      demo: false,
    });
    expect(JSON.parse(await readFile(join(dir, 'hardware.json'), 'utf8'))).toMatchObject({ demo: false });
  });

  it('refuses demo commands while demo hardware is off', async () => {
    const service = await start(await dataDir());
    expect(() => service.demoSwipe('visa')).toThrow(expect.objectContaining({ code: 'DEMO_HARDWARE_OFF' }));
    expect(() => service.demoScan('6001234567890')).toThrow(
      expect.objectContaining({ code: 'DEMO_HARDWARE_OFF' }),
    );
    await expect(service.print('j1', receipt)).rejects.toMatchObject({ code: 'NO_PRINTER' });
  });

  it('keeps demo hardware on across a restart, and never prints a completed job twice', async () => {
    const dir = await dataDir();
    let service = await start(dir);
    await service.setDemo(true);
    expect(await service.demoSwipe('mastercard')).toMatchObject({ type: 'card', last4: '4444' });
    expect(await service.demoSwipe('expired')).toMatchObject({ type: 'bad-swipe', reason: 'CARD_EXPIRED' });
    expect(await service.demoScan('OUTPOST1:abc.def')).toMatchObject({ type: 'scan', symbology: 'qr' });
    expect(await service.print('sale:1:1', receipt)).toEqual({ jobId: 'sale:1:1', status: 'printed' });
    expect(service.demoLastPrint().picture?.lines).toContain('Café' + ' '.repeat(37) + '500 XOF');

    service = await restart(service, dir);
    expect((await firstValueFrom(service.statuses)).demo).toBe(true);
    // A new simulator: if the job printed again, it would be the last print.
    expect(await service.print('sale:1:1', receipt)).toEqual({
      jobId: 'sale:1:1',
      status: 'already-printed',
    });
    expect(service.demoLastPrint()).toEqual({ jobId: null, picture: null });
    expect(await service.demoSwipe('visa')).toMatchObject({ type: 'card', brand: 'visa' });
  });
});
