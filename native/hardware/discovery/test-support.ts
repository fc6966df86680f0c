import type { HidBackend, HidConnection, UsbBackend } from './backends';
import { classifyHid, deviceId, type DiscoveredDevice } from './classify';

/**
 * Stand-in buses for tests: no USB or HID device exists on our machines. `FakeHid` lists the
 * devices it is given and keeps the report listener of each opened path, so a test sends a device's
 * bytes with `send`; `NoUsb` lists nothing.
 */
export function hidDevice(d: {
  vendorId: number;
  productId?: number;
  path: string;
  serialNumber: string;
  usagePage: number;
  usage: number;
}): DiscoveredDevice & { path: string } {
  const base = {
    vendorId: d.vendorId,
    productId: d.productId ?? 0x0011,
    path: d.path,
    serialNumber: d.serialNumber,
  };
  const info = { ...base, usagePage: d.usagePage, usage: d.usage };
  return { ...info, bus: 'hid', id: deviceId(base), ...classifyHid(info) };
}

export class FakeHid implements HidBackend {
  readonly listeners = new Map<string, (report: Buffer) => void>();
  constructor(private readonly devices: readonly DiscoveredDevice[]) {}
  async list() {
    return [...this.devices];
  }
  async open(path: string): Promise<HidConnection> {
    return {
      onReport: (listener) => void this.listeners.set(path, listener),
      onError: () => undefined,
      close: async () => void this.listeners.delete(path),
    };
  }
  /** The device's input reports, as node-hid would hand them over. */
  send(device: DiscoveredDevice, reports: readonly Uint8Array[]): void {
    const listener = this.listeners.get(device.path ?? '');
    if (!listener) throw new Error(`${device.id} is not open`);
    for (const r of reports) listener(Buffer.from(r));
  }
}

export class NoUsb implements UsbBackend {
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
