import { z } from 'zod';
import { HardwareError } from '../errors';
import type { HidBackend, HidConnection } from './backends';
import { classifyHid, deviceId, type DiscoveredDevice } from './classify';

/** What node-hid's devices() returns, checked: it is data from the OS, not from our code. */
const HidDeviceInfo = z.object({
  vendorId: z.number().int().min(0).max(0xffff),
  productId: z.number().int().min(0).max(0xffff),
  path: z.string().optional(),
  serialNumber: z.string().optional(),
  manufacturer: z.string().optional(),
  product: z.string().optional(),
  usagePage: z.number().int().optional(),
  usage: z.number().int().optional(),
});

interface NodeHidDevice {
  getReportDescriptor?(): Promise<Buffer>;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  close(): Promise<void> | void;
}
interface NodeHid {
  devicesAsync(): Promise<unknown[]>;
  HIDAsync: { open(path: string): Promise<NodeHidDevice> };
}

// node-hid is a native addon: loading it lazily turns a missing build into HARDWARE_UNAVAILABLE
// instead of a crash when anything importing native/ starts.
let loaded: Promise<NodeHid> | undefined;
function loadNodeHid(): Promise<NodeHid> {
  loaded ??= import('node-hid')
    .then((m) => ('default' in m && m.default ? m.default : m) as unknown as NodeHid)
    .catch((err: unknown) => {
      loaded = undefined;
      throw new HardwareError('HARDWARE_UNAVAILABLE', 'node-hid could not be loaded', { cause: err });
    });
  return loaded;
}

export class NodeHidBackend implements HidBackend {
  async list(): Promise<DiscoveredDevice[]> {
    const hid = await loadNodeHid();
    let raw: unknown[];
    try {
      raw = await hid.devicesAsync();
    } catch (err) {
      throw new HardwareError('DEVICE_IO', 'HID enumeration failed', { cause: err });
    }
    const out: DiscoveredDevice[] = [];
    for (const item of raw) {
      const parsed = HidDeviceInfo.safeParse(item);
      if (!parsed.success || !parsed.data.path) continue;
      const d = { ...parsed.data, path: parsed.data.path };
      // Some devices report an empty or blank serial; that is no serial, so the path identifies them.
      const serialNumber = d.serialNumber?.trim() || undefined;
      const device = { ...d, serialNumber };
      out.push({ ...device, bus: 'hid', id: deviceId(device), ...classifyHid(d) });
    }
    return out;
  }

  async open(path: string): Promise<HidConnection> {
    const hid = await loadNodeHid();
    let device: NodeHidDevice;
    try {
      device = await hid.HIDAsync.open(path);
    } catch (err) {
      throw new HardwareError('DEVICE_NOT_FOUND', 'the HID device could not be opened', { cause: err });
    }
    // Not every platform or node-hid version can read it: then the vendor ID and the user decide.
    const reportDescriptor = await device.getReportDescriptor?.().catch(() => undefined);
    return {
      ...(reportDescriptor ? { reportDescriptor: Uint8Array.from(reportDescriptor) } : {}),
      onReport: (listener) => void device.on('data', listener),
      onError: (listener) => void device.on('error', listener),
      close: async () => {
        await device.close();
      },
    };
  }
}
