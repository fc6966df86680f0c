import {
  cardFormatFromDescriptor,
  msrLayoutFromDescriptor,
  summariseDescriptor,
} from './discovery/report-descriptor';
import type { KeyStore } from '../keystore/types';
import { createCardReader, type CardReader, type CardReaderFormat } from './card/readers';
import { SwipeProcessor } from './card/swipe';
import { CardTokenizer } from './card/tokenizer';
import type { SwipeResult } from './card/types';
import type { HidBackend, HidConnection, UsbBackend } from './discovery/backends';
import type { DiscoveredDevice } from './discovery/classify';
import { NodeHidBackend } from './discovery/node-hid-backend';
import { NodeUsbBackend } from './discovery/usb-backend';
import { HardwareError, isHardwareError } from './errors';
import type { KeyboardLayoutName } from './keyboard/layouts';
import { Listeners } from './listeners';
import { PrinterDriver, type CompletedJobs, type PrintOutcome } from './printer/driver';
import type { ReceiptInput } from './printer/receipt';
import type { PrinterStatus } from './printer/status';
import { HidPosScanner } from './scanner/hid-pos';
import type { DiscardedScan, ScanResult } from './scanner/types';
import { WedgeScanner, type Typed, type WedgeOptions } from './scanner/wedge';
import { DemoHardware } from './sim/demo';

export type Role = 'cardReader' | 'scanner' | 'printer';
export const ROLES: readonly Role[] = ['cardReader', 'scanner', 'printer'];

/** A saved choice: the core persists it (settings) and hands it back at start-up. */
export interface RoleChoice {
  readonly deviceId: string;
  /** Card readers: report format (default: what discovery suggests, else keyboard). */
  readonly cardFormat?: CardReaderFormat;
  /** Keyboard-emulation readers and wedge scanners: the layout they type in. */
  readonly layout?: KeyboardLayoutName;
  readonly scannerMode?: 'hid-pos' | 'keyboard-wedge';
  readonly wedge?: Omit<WedgeOptions, 'layout'>;
}

export interface RoleStatus {
  readonly role: Role;
  readonly state: 'connected' | 'disconnected' | 'error';
  readonly deviceId?: string;
  readonly demo: boolean;
  readonly lastEvent?: { readonly kind: string; readonly at: string; readonly message?: string };
}

export type DeviceChange = { readonly type: 'attach' | 'detach'; readonly device: DiscoveredDevice };

export interface HardwareManagerOptions {
  readonly keyStore: KeyStore;
  /** Wall clock: card expiry and event times. */
  readonly now?: () => Date;
  /** Monotonic ms for keystroke timing. */
  readonly monotonic?: () => number;
  readonly hid?: HidBackend;
  readonly usb?: UsbBackend;
  /** HID has no portable hot-plug events, so its device list is polled. */
  readonly pollMs?: number;
  readonly completedJobs?: CompletedJobs;
  readonly log?: (line: string) => void;
}

interface Open {
  close(): Promise<void>;
}

/**
 * What the core uses: list devices, choose one per role, see each role's status, and receive
 * swipes and scans; print receipts. Demo mode swaps every role for its simulator.
 */
export class HardwareManager {
  private readonly hid: HidBackend;
  private readonly usb: UsbBackend;
  private readonly processor: SwipeProcessor;
  private readonly now: () => Date;
  private readonly monotonic: () => number;
  private readonly selected: Record<Role, RoleChoice | null> = {
    cardReader: null,
    scanner: null,
    printer: null,
  };
  private readonly statuses: Record<Role, RoleStatus>;
  private readonly opened = new Map<Role, Open>();
  private known = new Map<string, DiscoveredDevice>();
  private cardReader: CardReader | undefined;
  private hidPos: HidPosScanner | undefined;
  private printer: PrinterDriver | undefined;
  private demoHardware: DemoHardware | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => void) | undefined;
  private refreshing: Promise<void> | undefined;
  private readonly swipes = new Listeners<SwipeResult>();
  private readonly scans = new Listeners<ScanResult>();
  private readonly typed = new Listeners<Typed>();
  private readonly discards = new Listeners<DiscardedScan>();
  private readonly changes = new Listeners<DeviceChange>();
  private readonly statusChanges = new Listeners<RoleStatus>();

  constructor(private readonly options: HardwareManagerOptions) {
    this.hid = options.hid ?? new NodeHidBackend();
    this.usb = options.usb ?? new NodeUsbBackend();
    this.now = options.now ?? (() => new Date());
    this.monotonic = options.monotonic ?? (() => performance.now());
    this.processor = new SwipeProcessor({
      tokenizer: new CardTokenizer(options.keyStore),
      now: this.now,
      ...(options.log ? { log: options.log } : {}),
    });
    const initial = (role: Role): RoleStatus => ({ role, state: 'disconnected', demo: false });
    this.statuses = {
      cardReader: initial('cardReader'),
      scanner: initial('scanner'),
      printer: initial('printer'),
    };
  }

  onSwipe = (l: (r: SwipeResult) => void) => this.swipes.add(l);
  onScan = (l: (s: ScanResult) => void) => this.scans.add(l);
  /** Keys a person typed on a wedge scanner's keyboard interface, for the focused field. */
  onTyped = (l: (t: Typed) => void) => this.typed.add(l);
  /** A scan the scanner driver dropped because it held card data: the notice only. */
  onScanDiscarded = (l: (d: DiscardedScan) => void) => this.discards.add(l);
  onDeviceChange = (l: (c: DeviceChange) => void) => this.changes.add(l);
  onStatus = (l: (s: RoleStatus) => void) => this.statusChanges.add(l);

  /** Every HID device and USB printer present now, classified. A bus that cannot be read lists nothing. */
  async list(): Promise<DiscoveredDevice[]> {
    const settle = async (p: Promise<DiscoveredDevice[]>) => {
      try {
        return await p;
      } catch (err) {
        this.options.log?.(`enumeration failed: ${err instanceof Error ? err.message : String(err)}`);
        return [];
      }
    };
    const [hid, usb] = await Promise.all([settle(this.hid.list()), settle(this.usb.list())]);
    return [...hid, ...usb];
  }

  choices(): Readonly<Record<Role, RoleChoice | null>> {
    return { ...this.selected };
  }

  status(role: Role): RoleStatus {
    return this.statuses[role];
  }

  get demo(): DemoHardware | undefined {
    return this.demoHardware;
  }

  /** Chooses (or clears) the device for a role and opens it if it is present. */
  async choose(role: Role, choice: RoleChoice | null): Promise<void> {
    // In demo mode the simulators stay in place: the choice waits for demo hardware to be turned off.
    if (this.demoHardware) {
      this.selected[role] = choice;
      return;
    }
    await this.close(role);
    this.selected[role] = choice;
    if (!choice) return this.setStatus(role, 'disconnected', 'cleared');
    await this.refresh();
    if (this.known.has(choice.deviceId)) await this.open(role);
    else this.setStatus(role, 'disconnected', 'chosen', 'the device is not plugged in');
  }

  async open(role: Role): Promise<void> {
    if (this.demoHardware || this.opened.has(role)) return;
    const choice = this.selected[role];
    const device = choice && this.known.get(choice.deviceId);
    if (!choice || !device) throw new HardwareError('DEVICE_NOT_FOUND', `no ${role} is chosen or plugged in`);
    try {
      if (role === 'printer') {
        const transport = await this.usb.openPrinter(device);
        this.printer = new PrinterDriver(transport, this.options.completedJobs);
        this.opened.set(role, transport);
      } else {
        const conn = await this.hid.open(device.path);
        this.wireHid(role, choice, device, conn);
        this.opened.set(role, conn);
      }
      this.setStatus(role, 'connected', 'opened');
    } catch (err) {
      this.setStatus(role, 'error', 'open-failed', message(err));
      throw err;
    }
  }

  async close(role: Role): Promise<void> {
    const open = this.opened.get(role);
    this.opened.delete(role);
    if (role === 'cardReader') this.cardReader = undefined;
    if (role === 'scanner') this.hidPos = undefined;
    if (role === 'printer') this.printer = undefined;
    await open?.close().catch(() => undefined);
    if (open) this.setStatus(role, 'disconnected', 'closed');
  }

  /** Demo hardware: every role becomes its simulator; turning it off reopens the chosen devices. */
  async setDemo(on: boolean): Promise<void> {
    if (on === Boolean(this.demoHardware)) return;
    for (const role of ROLES) await this.close(role);
    if (on) {
      this.cardReader = createCardReader('magtek', this.processor);
      this.cardReader.onSwipe((r) => this.swipes.emit(r));
      this.hidPos = new HidPosScanner();
      this.hidPos.onScan((s) => this.scans.emit(s));
      this.hidPos.onDiscard((d) => this.discarded(d));
      this.demoHardware = new DemoHardware(
        () => this.cardReader,
        () => this.hidPos,
      );
      this.printer = new PrinterDriver(this.demoHardware.printer, this.options.completedJobs);
      for (const role of ROLES) this.setStatus(role, 'connected', 'demo');
      return;
    }
    this.demoHardware = undefined;
    this.cardReader = undefined;
    this.hidPos = undefined;
    this.printer = undefined;
    for (const role of ROLES) this.setStatus(role, 'disconnected', 'demo-off');
    await this.refresh();
    for (const role of ROLES) {
      const id = this.selected[role]?.deviceId;
      if (id && this.known.has(id)) await this.open(role).catch(() => undefined);
    }
  }

  async print(jobId: string, receipt: ReceiptInput): Promise<PrintOutcome> {
    const printer = this.requirePrinter();
    try {
      const outcome = await printer.print(jobId, receipt);
      this.setStatus('printer', 'connected', outcome.status);
      return outcome;
    } catch (err) {
      if (isHardwareError(err)) this.setStatus('printer', 'error', err.code, err.message);
      throw err;
    }
  }

  printerStatus(): Promise<PrinterStatus> {
    return this.requirePrinter().status();
  }

  openDrawer(): Promise<void> {
    return this.requirePrinter().openDrawer();
  }

  /** Starts watching for attach/detach: USB hot-plug events, and HID polling. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh(), this.options.pollMs ?? 2000);
    this.timer.unref();
    this.unwatch = this.usb.watch(() => void this.refresh());
    void this.refresh();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.unwatch?.();
    for (const role of ROLES) await this.close(role);
  }

  /** Re-lists devices, emits attach/detach, and opens or marks chosen devices accordingly. */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    const now = new Map((await this.list()).map((d) => [d.id, d]));
    const before = this.known;
    this.known = now;
    for (const [id, device] of before) if (!now.has(id)) this.changes.emit({ type: 'detach', device });
    for (const [id, device] of now) if (!before.has(id)) this.changes.emit({ type: 'attach', device });
    if (this.demoHardware) return;
    for (const role of ROLES) {
      const id = this.selected[role]?.deviceId;
      if (!id) continue;
      if (!now.has(id) && before.has(id)) {
        await this.close(role);
        this.setStatus(role, 'disconnected', 'detached');
      } else if (now.has(id) && !this.opened.has(role)) {
        await this.open(role).catch(() => undefined);
      }
    }
  }

  private wireHid(role: Role, choice: RoleChoice, device: DiscoveredDevice, conn: HidConnection): void {
    const layout = choice.layout ?? 'us';
    let feed: (report: Buffer) => void;
    if (role === 'cardReader') {
      // The user's choice, then what the report descriptor declares, then the vendor ID's guess.
      const summary = conn.reportDescriptor ? summariseDescriptor(conn.reportDescriptor) : null;
      const declared = cardFormatFromDescriptor(summary);
      const reader = createCardReader(
        choice.cardFormat ?? declared ?? device.cardFormat ?? 'keyboard',
        this.processor,
        layout,
        msrLayoutFromDescriptor(summary),
      );
      reader.onSwipe((r) => this.swipes.emit(r));
      this.cardReader = reader;
      feed = (report) => {
        reader.feed(report, this.monotonic());
        // Reports carry track data: wipe node-hid's buffer once the reader has its own copy.
        report.fill(0);
      };
    } else if (
      (choice.scannerMode ?? (device.category === 'scanner-hid-pos' ? 'hid-pos' : 'keyboard-wedge')) ===
      'hid-pos'
    ) {
      const scanner = new HidPosScanner();
      scanner.onScan((s) => this.scans.emit(s));
      scanner.onDiscard((d) => this.discarded(d));
      this.hidPos = scanner;
      feed = (report) => scanner.feed(report);
    } else {
      const wedge = new WedgeScanner({ ...choice.wedge, layout });
      wedge.onScan((s) => this.scans.emit(s));
      wedge.onTyped((t) => this.typed.emit(t));
      wedge.onDiscard((d) => this.discarded(d));
      feed = (report) => wedge.feed(report, this.monotonic());
    }
    conn.onReport(feed);
    conn.onError((err) => {
      this.setStatus(role, 'error', 'io-error', err.message);
      void this.close(role);
    });
  }

  private discarded(d: DiscardedScan): void {
    this.options.log?.(`scan discarded: card data read by the ${d.source} scanner`);
    this.discards.emit(d);
  }

  private requirePrinter(): PrinterDriver {
    if (!this.printer) throw new HardwareError('PRINTER_DISCONNECTED', 'no printer is open');
    return this.printer;
  }

  private setStatus(
    role: Role,
    state: RoleStatus['state'],
    kind: string,
    msg?: string,
    deviceId?: string,
  ): void {
    // In demo mode the role's device is its simulator, whatever Settings chose: a status without it
    // read as "no printer" after the first print, and the till stopped printing receipts.
    const id = deviceId ?? (this.demoHardware ? `demo:${role}` : this.selected[role]?.deviceId);
    const status: RoleStatus = {
      role,
      state,
      demo: Boolean(this.demoHardware),
      ...(id ? { deviceId: id } : {}),
      lastEvent: { kind, at: this.now().toISOString(), ...(msg ? { message: msg } : {}) },
    };
    this.statuses[role] = status;
    this.statusChanges.emit(status);
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
