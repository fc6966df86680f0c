import type { DiscoveredDevice } from './classify';
import type { PrinterTransport } from '../printer/transport';

/** An open HID device: input reports in. */
export interface HidConnection {
  /** The device's HID report descriptor, when the platform could read it. */
  readonly reportDescriptor?: Uint8Array;
  onReport(listener: (report: Buffer) => void): void;
  onError(listener: (err: Error) => void): void;
  close(): Promise<void>;
}

/** Enumeration and opening, per bus. The real ones load native modules lazily; tests pass fakes. */
export interface HidBackend {
  list(): Promise<DiscoveredDevice[]>;
  open(path: string): Promise<HidConnection>;
}

export interface UsbBackend {
  list(): Promise<DiscoveredDevice[]>;
  openPrinter(device: DiscoveredDevice): Promise<PrinterTransport>;
  /** Hot-plug notifications; returns an unsubscribe. Backends without them return a no-op. */
  watch(onChange: () => void): () => void;
}
