import { randomUUID } from 'node:crypto';
import { BehaviorSubject, filter, firstValueFrom, Subject, throwError, timeout, type Observable } from 'rxjs';
import {
  ApiError,
  type DemoCardName,
  type HardwareChoice,
  type HardwareEvent,
  type HardwareRole,
  type HardwareState,
  type HardwareStatus,
  type PrintOutcome,
  type ReceiptPicture,
} from '../../../protocol/api';
import {
  HardwareManager,
  isHardwareError,
  renderReceipt,
  renderSvg,
  ROLES,
  svgTextLines,
  type HardwareManagerOptions,
  type ReceiptInput,
  type ScanResult,
} from '../../../native/hardware';
import type { KeyStore } from '../../../native/keystore';
import { classifyCardData } from '../../../protocol/card-data';
import type { PersistentCompletedJobs } from './completed-jobs';
import type { HardwareSettings, HardwareSettingsStore } from './hardware-settings-store';
import { roleChoice } from './role-choice';
import { deviceView, discardedScanEvent, eventFromScan, eventFromSwipe, roleStatusView } from './views';

/** Test seams: fake buses, a faster poll and clocks; the app uses node-hid, usb and the real clocks. */
export type HardwareServiceOptions = Pick<
  HardwareManagerOptions,
  'hid' | 'usb' | 'pollMs' | 'now' | 'monotonic'
>;

const AIM = { 'ean-13': ']E0', 'ean-8': ']E4', 'upc-a': ']E0', 'code-128': ']C0', qr: ']Q1' } as const;
/** How long a demo swipe or scan may take to come out of the decoders (the token needs the keychain). */
const DEMO_EVENT_TIMEOUT_MS = 15_000;

/**
 * The POS hardware as the rest of the core sees it: one HardwareManager, the choices made in
 * Settings (saved, and handed back at start-up), live status, swipes and scans as contract events,
 * and receipt printing with job ids remembered across restarts.
 */
export class HardwareService {
  private readonly manager: HardwareManager;
  private readonly status$: BehaviorSubject<HardwareStatus>;
  private readonly events$ = new Subject<HardwareEvent>();
  private readonly unsubscribe: (() => void)[] = [];
  private settings: HardwareSettings;
  private lastPrint: { jobId: string; picture: ReceiptPicture } | null = null;
  private printing: Promise<unknown> = Promise.resolve();
  private devicesVersion = 0;
  private readonly now: () => Date;
  /** Scans are checked against the catalog one after another, so events keep the order of scans. */
  private scanning: Promise<void> = Promise.resolve();
  private pendingScans = 0;

  private constructor(
    private readonly store: HardwareSettingsStore,
    private readonly jobs: PersistentCompletedJobs,
    initial: HardwareSettings,
    keyStore: KeyStore,
    options: HardwareServiceOptions,
    private readonly knownBarcode: (code: string) => Promise<boolean>,
  ) {
    this.settings = initial;
    this.now = options.now ?? (() => new Date());
    let lastLine = '';
    this.manager = new HardwareManager({
      keyStore,
      completedJobs: jobs,
      ...options,
      // Polling repeats the same failure every few seconds; say it once. Lines never hold track data.
      log: (line) => {
        if (line !== lastLine) console.info(`[hardware] ${line}`);
        lastLine = line;
      },
    });
    this.status$ = new BehaviorSubject(this.statusNow());
    this.unsubscribe.push(
      this.manager.onStatus(() => this.status$.next(this.statusNow())),
      this.manager.onSwipe((r) => this.events$.next(eventFromSwipe(r, this.now()))),
      this.manager.onScan((s) => this.scanned(s)),
      this.manager.onScanDiscarded(() => this.events$.next(discardedScanEvent(this.now()))),
      this.manager.onDeviceChange(() => {
        this.devicesVersion++;
        this.status$.next(this.statusNow());
      }),
    );
  }

  static async start(input: {
    store: HardwareSettingsStore;
    jobs: PersistentCompletedJobs;
    keyStore: KeyStore;
    options?: HardwareServiceOptions;
    /** Whether the catalog has a product with this barcode (false when this is no till). */
    knownBarcode?: (code: string) => Promise<boolean>;
  }): Promise<HardwareService> {
    const saved = input.store.initial;
    const service = new HardwareService(
      input.store,
      input.jobs,
      saved,
      input.keyStore,
      input.options ?? {},
      input.knownBarcode ?? (async () => false),
    );
    await service.restore();
    return service;
  }

  private async restore(): Promise<void> {
    const { demo, choices } = this.settings;
    // Demo first: then the saved choices are only remembered, not opened, until demo mode ends.
    if (demo) await this.manager.setDemo(true);
    for (const role of ROLES) {
      const choice = choices[role];
      if (choice) await this.manager.choose(role, roleChoice(choice)).catch(() => undefined);
    }
    this.manager.start();
    this.status$.next(this.statusNow());
  }

  get statuses(): Observable<HardwareStatus> {
    return this.status$.asObservable();
  }

  get events(): Observable<HardwareEvent> {
    return this.events$.asObservable();
  }

  async state(): Promise<HardwareState> {
    const devices = await this.manager.list();
    return { ...this.statusNow(), devices: devices.map(deviceView), choices: this.settings.choices };
  }

  async choose(role: HardwareRole, choice: HardwareChoice | null): Promise<HardwareState> {
    this.settings = { ...this.settings, choices: { ...this.settings.choices, [role]: choice } };
    await this.store.write(this.settings);
    // A device that is not plugged in now stays chosen and opens when it appears.
    await this.manager.choose(role, choice && roleChoice(choice)).catch((error: unknown) => {
      if (!isHardwareError(error)) throw error;
    });
    return this.state();
  }

  async setDemo(on: boolean): Promise<HardwareState> {
    this.settings = { ...this.settings, demo: on };
    await this.store.write(this.settings);
    await this.manager.setDemo(on);
    return this.state();
  }

  async test(role: HardwareRole): Promise<{ role: HardwareRole; outcome: 'printed' | 'waiting' }> {
    const status = this.manager.status(role);
    if (role === 'printer') {
      await this.print(`test:${randomUUID()}`, {
        currency: 'XOF',
        header: ['Outpost', 'Test page / Page de test'],
        items: [{ name: 'Café crème à emporter', qty: 1, unitPrice: 500 }],
        totals: [{ label: 'TOTAL', amount: 500, emphasis: true }],
        footer: ['àâçéèêëîïôùûü €'],
        qr: 'outpost-test-page',
      });
      return { role, outcome: 'printed' };
    }
    if (status.state !== 'connected') {
      throw new ApiError(
        'HARDWARE_NOT_CONNECTED',
        role === 'cardReader' ? 'No card reader is connected.' : 'No scanner is connected.',
      );
    }
    return { role, outcome: 'waiting' };
  }

  /** Prints a receipt as a job: a job id that already printed is answered without printing again. */
  print(jobId: string, receipt: ReceiptInput): Promise<PrintOutcome> {
    const run = this.printing.then(() => this.printNow(jobId, receipt));
    this.printing = run.catch(() => undefined);
    return run;
  }

  private async printNow(jobId: string, receipt: ReceiptInput): Promise<PrintOutcome> {
    if (!this.settings.demo && !this.settings.choices.printer) {
      throw new ApiError('NO_PRINTER', 'No receipt printer is chosen: choose one in Settings.');
    }
    const sim = this.manager.demo?.printer;
    const mark = sim?.printed.length ?? 0;
    try {
      const outcome = await this.manager.print(jobId, receipt);
      if (sim && outcome.status === 'printed') {
        const svg = renderSvg(sim.printed.slice(mark), sim.columns);
        this.lastPrint = { jobId, picture: { svg, lines: svgTextLines(svg) } };
      }
      return outcome;
    } catch (error) {
      if (isHardwareError(error)) {
        // The library uses DEVICE_NOT_FOUND for the server's "no such laptop": keep them apart.
        const code = error.code === 'DEVICE_NOT_FOUND' ? 'HARDWARE_NOT_CONNECTED' : error.code;
        throw new ApiError(code, error.message.replace(/^[A-Z_]+: /, ''));
      }
      throw error;
    }
  }

  /** Whether a job completed (printed), as the job log remembers across restarts. */
  hasPrinted(jobId: string): boolean {
    return this.jobs.has(jobId);
  }

  /** The preview of a receipt: the same description the printer gets, drawn as SVG. */
  preview(receipt: ReceiptInput): ReceiptPicture {
    const { svg } = renderReceipt(receipt);
    return { svg, lines: svgTextLines(svg) };
  }

  demoSwipe(card: DemoCardName): Promise<HardwareEvent> {
    const demo = this.requireDemo();
    return this.nextEvent(['card', 'bad-swipe'], () => demo.swipeSample(card));
  }

  /** A test card's tracks read by the demo scanner, as a magstripe reader set up as one types them. */
  demoScanCard(card: DemoCardName): Promise<HardwareEvent> {
    const demo = this.requireDemo();
    return this.nextEvent(['scan', 'scan-discarded'], () => demo.scanCard(card));
  }

  demoScan(text: string, symbology?: keyof typeof AIM): Promise<HardwareEvent> {
    const demo = this.requireDemo();
    const aim = symbology
      ? AIM[symbology]
      : /^\d{8}$/.test(text)
        ? AIM['ean-8']
        : /^\d{12,14}$/.test(text)
          ? AIM['ean-13']
          : AIM.qr;
    return this.nextEvent(['scan', 'scan-discarded'], () => demo.scan(text, aim));
  }

  demoLastPrint(): { jobId: string | null; picture: ReceiptPicture | null; jobs: number; bytes: number } {
    const { printer } = this.requireDemo();
    return {
      jobId: this.lastPrint?.jobId ?? null,
      picture: this.lastPrint?.picture ?? null,
      jobs: printer.printed.filter((e) => e.kind === 'cut').length,
      bytes: printer.bytesReceived,
    };
  }

  async close(): Promise<void> {
    for (const off of this.unsubscribe) off();
    await this.manager.stop();
    await this.scanning;
    await this.printing;
    await this.jobs.flush();
    this.status$.complete();
    this.events$.complete();
  }

  /**
   * A 12–14 digit number that is both Luhn- and GS1-valid may be a product code or a card number:
   * it is a product only if the catalog has it, and otherwise dropped like any card data.
   */
  private scanned(s: ScanResult): void {
    const at = this.now();
    const ambiguous = classifyCardData(s.data) === 'ambiguous';
    // Nothing to look up and nothing waiting: the event goes out at once, as the driver emitted it.
    if (!ambiguous && this.pendingScans === 0) return this.events$.next(eventFromScan(s, at));
    this.pendingScans++;
    this.scanning = this.scanning.then(async () => {
      const known = !ambiguous || (await this.knownBarcode(s.data.trim()).catch(() => false));
      this.pendingScans--;
      this.events$.next(known ? eventFromScan(s, at) : discardedScanEvent(at));
    });
  }

  private requireDemo() {
    const demo = this.manager.demo;
    if (!demo) throw new ApiError('DEMO_HARDWARE_OFF', 'Demo hardware is off: turn it on in Settings.');
    return demo;
  }

  private nextEvent(types: HardwareEvent['type'][], act: () => void): Promise<HardwareEvent> {
    const next = firstValueFrom(
      this.events$.pipe(
        filter((e) => types.includes(e.type)),
        timeout({
          first: DEMO_EVENT_TIMEOUT_MS,
          with: () =>
            throwError(() => new ApiError('DEVICE_IO', 'The demo device did not produce an event.')),
        }),
      ),
    );
    act();
    return next;
  }

  private statusNow(): HardwareStatus {
    return {
      demo: this.settings.demo,
      roles: ROLES.map((role) => roleStatusView(this.manager.status(role))),
      devicesVersion: this.devicesVersion,
    };
  }
}
