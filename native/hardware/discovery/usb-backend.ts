import { HardwareError } from '../errors';
import type { PrinterTransport } from '../printer/transport';
import type { UsbBackend } from './backends';
import { USB_CLASS_PRINTER, classifyUsb, deviceId, type DiscoveredDevice } from './classify';

/** The part of usb 3's WebUSB API we use, typed here so nothing else depends on its globals. */
interface UsbEndpoint {
  endpointNumber: number;
  direction: 'in' | 'out';
  type: 'bulk' | 'interrupt' | 'isochronous';
}
interface UsbInterface {
  interfaceNumber: number;
  alternates: Array<{ interfaceClass: number; endpoints: UsbEndpoint[] }>;
}
interface UsbDevice {
  vendorId: number;
  productId: number;
  serialNumber?: string | null;
  manufacturerName?: string | null;
  productName?: string | null;
  bus?: string;
  address?: number;
  configuration?: { interfaces: UsbInterface[] } | null;
  open(): Promise<void>;
  close(): Promise<void>;
  selectConfiguration(value: number): Promise<void>;
  claimInterface(n: number): Promise<void>;
  releaseInterface(n: number): Promise<void>;
  transferOut(endpoint: number, data: Uint8Array): Promise<{ status: string; bytesWritten: number }>;
  transferIn(endpoint: number, length: number): Promise<{ status: string; data?: DataView }>;
}
interface WebUsb {
  getDevices(): Promise<UsbDevice[]>;
  addEventListener(type: 'connect' | 'disconnect', listener: () => void): void;
  removeEventListener(type: 'connect' | 'disconnect', listener: () => void): void;
}

let loaded: Promise<WebUsb> | undefined;
function loadUsb(): Promise<WebUsb> {
  loaded ??= import('usb')
    .then((m) => m.usb as unknown as WebUsb)
    .catch((err: unknown) => {
      loaded = undefined;
      throw new HardwareError('HARDWARE_UNAVAILABLE', 'the usb module could not be loaded', { cause: err });
    });
  return loaded;
}

const READ_TIMEOUT_MS = 1000;
const path = (d: UsbDevice) => `usb:${d.bus ?? '?'}:${d.address ?? '?'}`;
const interfaces = (d: UsbDevice) => d.configuration?.interfaces ?? [];

export class NodeUsbBackend implements UsbBackend {
  private devices = new Map<string, UsbDevice>();

  async list(): Promise<DiscoveredDevice[]> {
    const usb = await loadUsb();
    let found: UsbDevice[];
    try {
      found = await usb.getDevices();
    } catch (err) {
      // A machine (or container) without a USB bus has nothing to list; that is not a failure.
      if (/\/sys\/bus\/usb|errno 2|ENOENT/i.test(String(err))) return [];
      throw new HardwareError('DEVICE_IO', 'USB enumeration failed', { cause: err });
    }
    this.devices = new Map();
    const out: DiscoveredDevice[] = [];
    for (const d of found) {
      const classes = interfaces(d).flatMap((i) => i.alternates.map((a) => a.interfaceClass));
      const category = classifyUsb({ vendorId: d.vendorId, interfaceClasses: classes });
      if (category !== 'printer') continue;
      const serialNumber = d.serialNumber?.trim() || undefined;
      const base = {
        vendorId: d.vendorId,
        productId: d.productId,
        path: path(d),
        ...(serialNumber ? { serialNumber } : {}),
      };
      const id = deviceId(base);
      this.devices.set(id, d);
      out.push({
        ...base,
        id,
        bus: 'usb',
        category,
        ...(d.manufacturerName ? { manufacturer: d.manufacturerName } : {}),
        ...(d.productName ? { product: d.productName } : {}),
      });
    }
    return out;
  }

  watch(onChange: () => void): () => void {
    let active = true;
    let watching = false;
    const listener = () => active && onChange();
    void loadUsb()
      .then(async (usb) => {
        // usb's hot-plug set-up enumerates the bus without handling errors, so on a machine with
        // no USB bus it would leave an unhandled rejection. Enumerate first: no bus, nothing to watch.
        await usb.getDevices();
        if (!active) return;
        usb.addEventListener('connect', listener);
        usb.addEventListener('disconnect', listener);
        watching = true;
      })
      .catch(() => undefined);
    return () => {
      active = false;
      if (!watching) return;
      void loadUsb()
        .then((usb) => {
          usb.removeEventListener('connect', listener);
          usb.removeEventListener('disconnect', listener);
        })
        .catch(() => undefined);
    };
  }

  async openPrinter(device: DiscoveredDevice): Promise<PrinterTransport> {
    const d = this.devices.get(device.id);
    if (!d) throw new HardwareError('DEVICE_NOT_FOUND', 'the printer is not connected');
    return openUsbPrinter(d);
  }
}

/**
 * USB Printer Class 1.1: the printer interface (class 7) has a bulk OUT endpoint for data and,
 * bidirectional (protocol 2), a bulk IN endpoint on which ESC/POS status answers arrive.
 */
async function openUsbPrinter(d: UsbDevice): Promise<PrinterTransport> {
  try {
    await d.open();
    if (!d.configuration) await d.selectConfiguration(1);
  } catch (err) {
    throw new HardwareError('PRINTER_DISCONNECTED', 'the printer could not be opened', { cause: err });
  }
  const iface = interfaces(d).find((i) => i.alternates.some((a) => a.interfaceClass === USB_CLASS_PRINTER));
  const alt = iface?.alternates.find((a) => a.interfaceClass === USB_CLASS_PRINTER);
  const out = alt?.endpoints.find((e) => e.direction === 'out' && e.type === 'bulk');
  const inp = alt?.endpoints.find((e) => e.direction === 'in' && e.type === 'bulk');
  if (!iface || !out) {
    await d.close().catch(() => undefined);
    throw new HardwareError('NO_PRINTER_INTERFACE', 'no printer-class interface with a bulk OUT endpoint');
  }
  await d.claimInterface(iface.interfaceNumber);
  return {
    async write(data) {
      const r = await d.transferOut(out.endpointNumber, data);
      if (r.status !== 'ok' || r.bytesWritten !== data.length) throw new Error(`bulk OUT ${r.status}`);
    },
    async read(length) {
      if (!inp) return new Uint8Array(0);
      // A printer with nothing to say leaves a bulk IN pending; after READ_TIMEOUT_MS it said nothing.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>(
        (resolve) => (timer = setTimeout(() => resolve(undefined), READ_TIMEOUT_MS)),
      );
      const r = await Promise.race([d.transferIn(inp.endpointNumber, Math.max(length, 64)), timeout]);
      clearTimeout(timer);
      if (!r || r.status !== 'ok' || !r.data) return new Uint8Array(0);
      return new Uint8Array(r.data.buffer, r.data.byteOffset, Math.min(length, r.data.byteLength));
    },
    async close() {
      await d.releaseInterface(iface.interfaceNumber).catch(() => undefined);
      await d.close().catch(() => undefined);
    },
  };
}
