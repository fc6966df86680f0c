import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { HardwareEvent } from '../../../protocol/api';
import { FakeHid, hidDevice, NoUsb } from '../../../native/hardware/discovery/test-support';
import { ctrlLetter, typeText } from '../../../native/hardware/sim/keyboard';
import { InMemoryKeyStoreForTests } from '../../../native/keystore/memory';
import { callCommand } from '../api/dispatch';
import type { ApiHandlers } from '../api/handlers';
import { openAppDatabase, type AppDatabase } from '../store/database';
import type { HardwareService } from './hardware-service';
import { hardwareHandlers, startHardware } from './handlers';
import { HARDWARE_KEY } from './hardware-settings-store';

/**
 * The service around HardwareManager: what Settings chose and which print jobs completed survive a
 * restart. No USB or HID device exists on our machines, so the buses are stand-ins listing one
 * MagTek reader and one plain keyboard (a wedge scanner); demo hardware is the real simulators.
 */
const reader = hidDevice({
  vendorId: 0x0801,
  path: '/dev/hidraw7',
  serialNumber: 'MT-42',
  usagePage: 0xff00,
  usage: 0x01,
});
const keyboard = hidDevice({
  vendorId: 0x1a86,
  path: '/dev/hidraw8',
  serialNumber: 'KB-1',
  usagePage: 0x01,
  usage: 0x06,
});
const devices = [reader, keyboard];

const dirs: string[] = [];
const running: HardwareService[] = [];
/** The real encrypted app database of each data directory, open across a service restart. */
const databases = new Map<string, AppDatabase>();
afterEach(async () => {
  for (const s of running.splice(0)) await s.close();
  for (const db of databases.values()) await db.close();
  databases.clear();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const keyStore = new InMemoryKeyStoreForTests();
/** Keystroke timing is what tells a scan from typing: the tests set the clock, never the machine's load. */
let clock = 0;
async function database(dataDir: string): Promise<AppDatabase> {
  let db = databases.get(dataDir);
  if (!db) {
    db = await openAppDatabase({ dataDir, keyStore, name: `hwtest${databases.size}` });
    databases.set(dataDir, db);
  }
  return db;
}
/** The hardware choices as saved in the encrypted store. */
async function saved(dataDir: string): Promise<unknown> {
  const doc = await (await database(dataDir)).rx.collections.settings.findOne(HARDWARE_KEY).exec();
  return doc ? (JSON.parse(doc.value) as unknown) : null;
}
async function start(dataDir: string, hid = new FakeHid(devices)): Promise<HardwareService> {
  const settings = (await database(dataDir)).rx.collections.settings;
  const service = await startHardware(dataDir, settings, keyStore, {
    hid,
    usb: new NoUsb(),
    pollMs: 60_000,
    monotonic: () => clock,
  });
  running.push(service);
  return service;
}
async function restart(service: HardwareService, dataDir: string, hid?: FakeHid): Promise<HardwareService> {
  running.splice(running.indexOf(service), 1);
  await service.close();
  return start(dataDir, hid);
}
/** The keyboard's boot reports for `text`, 4 ms apart, as a wedge scanner types. */
function typeOn(hid: FakeHid, text: string, end: Uint8Array[] = []): void {
  const listener = hid.listeners.get(keyboard.path);
  if (!listener) throw new Error('the keyboard is not open');
  for (const report of [...typeText(text, { layout: 'us' }), ...end]) {
    clock += 4;
    listener(Buffer.from(report));
  }
}
function events(service: HardwareService): HardwareEvent[] {
  const seen: HardwareEvent[] = [];
  service.events.subscribe((e) => seen.push(e));
  return seen;
}
/** The real boundary (validation, then the hardware handlers); dispatch reaches no other command here. */
function api(service: HardwareService): ApiHandlers {
  const { commands, subscriptions } = hardwareHandlers({ service });
  return { commands, subscriptions } as unknown as ApiHandlers;
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
    expect(state.devices.map((d) => d.id)).toEqual([reader.id, keyboard.id]);
    expect(state.roles.find((r) => r.role === 'cardReader')).toMatchObject({ state: 'connected' });

    service = await restart(service, dir);
    const after = await service.state();
    expect(after.choices.cardReader).toEqual({ deviceId: reader.id, layout: 'fr-azerty' });
    expect(after.roles.find((r) => r.role === 'cardReader')).toMatchObject({
      state: 'connected',
      deviceId: reader.id,
      demo: false,
    });
    expect(await saved(dir)).toMatchObject({ demo: false });
    expect(await readdir(dir)).not.toContain('hardware.json');
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
    expect(service.demoLastPrint()).toEqual({ jobId: null, picture: null, jobs: 0, bytes: 0 });
    expect(await service.demoSwipe('visa')).toMatchObject({ type: 'card', brand: 'visa' });
  });

  it('applies a saved wedge prefix, suffix and Tab terminator after a restart', async () => {
    const dir = await dataDir();
    let hid = new FakeHid(devices);
    let service = await start(dir, hid);
    // Without a configuration nothing is stripped and only Enter ends a scan.
    await service.choose('scanner', { deviceId: keyboard.id });
    let seen = events(service);
    typeOn(hid, '#4006381333931$\n');
    expect(seen).toMatchObject([{ type: 'scan', text: '#4006381333931$', gtin: null }]);

    const wedge = { prefix: '#', suffix: '$', terminator: 'tab' } as const;
    await callCommand(api(service), 'hardware.choose', {
      role: 'scanner',
      choice: { deviceId: keyboard.id, wedge },
    });
    hid = new FakeHid(devices);
    service = await restart(service, dir, hid);
    expect((await service.state()).choices.scanner).toEqual({ deviceId: keyboard.id, wedge });
    expect(await saved(dir)).toMatchObject({
      choices: { scanner: { wedge } },
    });
    seen = events(service);
    typeOn(hid, '#4006381333931$\t');
    // Enter still ends a scan when the scanner is set to Tab.
    typeOn(hid, '#ABC-123$\n');
    expect(seen).toMatchObject([
      { type: 'scan', text: '4006381333931', gtin: '4006381333931' },
      { type: 'scan', text: 'ABC-123', gtin: null },
    ]);
  });

  it('applies a saved Ctrl+J end key and minimum length (#18)', async () => {
    const dir = await dataDir();
    const hid = new FakeHid(devices);
    const service = await start(dir, hid);
    const wedge = { prefix: '', suffix: '', terminator: 'ctrl-j', minLength: 8 } as const;
    await callCommand(api(service), 'hardware.choose', {
      role: 'scanner',
      choice: { deviceId: keyboard.id, wedge },
    });
    expect(await saved(dir)).toMatchObject({ choices: { scanner: { wedge } } });
    const seen = events(service);
    typeOn(hid, '4006381333931', ctrlLetter('j'));
    typeOn(hid, '1234567', ctrlLetter('j'));
    // Enter still ends a scan beside Ctrl+J.
    typeOn(hid, '96385074\n');
    expect(seen).toMatchObject([
      { type: 'scan', text: '4006381333931' },
      { type: 'scan', text: '96385074' },
    ]);
    expect(seen).toHaveLength(2);
  });

  it('refuses bad wedge configurations at the boundary and keeps the saved one', async () => {
    const dir = await dataDir();
    const service = await start(dir);
    const good = { deviceId: keyboard.id, wedge: { prefix: ']C1', suffix: '', terminator: 'enter' } };
    await callCommand(api(service), 'hardware.choose', { role: 'scanner', choice: good });
    // Control characters are refused at the dispatch edge, before the schema (issue #16).
    const bad: [input: unknown, code: string][] = [
      [
        { role: 'scanner', choice: { ...good, wedge: { ...good.wedge, prefix: '\u001b[' } } },
        'CONTROL_CHARACTERS',
      ],
      [
        { role: 'scanner', choice: { ...good, wedge: { ...good.wedge, suffix: '\r' } } },
        'CONTROL_CHARACTERS',
      ],
      [
        { role: 'scanner', choice: { ...good, wedge: { ...good.wedge, suffix: '123456789' } } },
        'INVALID_INPUT',
      ],
      [{ role: 'scanner', choice: { ...good, wedge: { ...good.wedge, terminator: 'cr' } } }, 'INVALID_INPUT'],
      [{ role: 'scanner', choice: { ...good, wedge: { prefix: '#', suffix: '$' } } }, 'INVALID_INPUT'],
      // Still a strict object: a key it does not know is refused (minLength is one it knows since #18).
      [{ role: 'scanner', choice: { ...good, wedge: { ...good.wedge, maxInterKeyMs: 1 } } }, 'INVALID_INPUT'],
      [{ role: 'scanner', choice: { ...good, wedge: { ...good.wedge, minLength: 0 } } }, 'INVALID_INPUT'],
      [{ role: 'scanner', choice: { ...good, wedge: { ...good.wedge, minLength: 65 } } }, 'INVALID_INPUT'],
      [{ role: 'scanner', choice: { ...good, wedge: { ...good.wedge, minLength: 4.5 } } }, 'INVALID_INPUT'],
      [{ role: 'cardReader', choice: { deviceId: reader.id, wedge: good.wedge } }, 'INVALID_INPUT'],
    ];
    for (const [input, code] of bad) {
      await expect(
        callCommand(api(service), 'hardware.choose', input),
        JSON.stringify(input),
      ).rejects.toMatchObject({
        code,
      });
    }
    expect(await saved(dir)).toMatchObject({ choices: { scanner: good, cardReader: null } });
  });
});
