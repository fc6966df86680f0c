import { HardwareError } from '../errors';
import * as cmd from './escpos';
import { layoutReceipt } from './layout';
import { ReceiptSchema, type ReceiptInput } from './receipt';
import { renderEscPos } from './render-escpos';
import { parseStatus, type PrinterStatus } from './status';
import type { PrinterTransport } from './transport';

/** Where completed job ids are remembered; give a persistent one so a restart keeps the memory. */
export interface CompletedJobs {
  has(jobId: string): boolean;
  add(jobId: string): void;
}

/** The last `limit` completed job ids, in memory. */
export class RecentJobs implements CompletedJobs {
  private readonly ids = new Set<string>();
  constructor(private readonly limit = 1000) {}
  has(jobId: string): boolean {
    return this.ids.has(jobId);
  }
  add(jobId: string): void {
    this.ids.add(jobId);
    if (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value ?? jobId);
  }
}

export type PrintOutcome = { readonly jobId: string; readonly status: 'printed' | 'already-printed' };

const CHUNK = 4096;

/**
 * Prints receipts as jobs with ids. A job id that completed is acknowledged without printing again,
 * so the core can retry a job whose outcome it never learned (crash, disconnect after the last
 * byte). A job that failed part-way was not completed and prints in full on retry.
 */
export class PrinterDriver {
  private readonly inFlight = new Map<string, Promise<PrintOutcome>>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly transport: PrinterTransport,
    private readonly completed: CompletedJobs = new RecentJobs(),
  ) {}

  print(jobId: string, receipt: ReceiptInput): Promise<PrintOutcome> {
    if (this.completed.has(jobId)) return Promise.resolve({ jobId, status: 'already-printed' });
    const running = this.inFlight.get(jobId);
    if (running) return running;
    const bytes = renderEscPos(layoutReceipt(ReceiptSchema.parse(receipt)));
    const job = this.queue
      .catch(() => undefined)
      .then(() => this.run(jobId, bytes))
      .finally(() => this.inFlight.delete(jobId));
    this.inFlight.set(jobId, job);
    this.queue = job;
    return job;
  }

  /** Opens the cash drawer without printing. */
  async openDrawer(): Promise<void> {
    await this.send(cmd.drawerKick());
  }

  async status(): Promise<PrinterStatus> {
    const answers: number[] = [];
    for (const n of [1, 2, 3, 4] as const) {
      await this.send(cmd.statusQuery(n));
      const reply = await this.receive();
      if (reply.length !== 1) throw new HardwareError('DEVICE_IO', `no answer to status query ${n}`);
      answers.push(reply[0] ?? 0);
    }
    const status = parseStatus(Uint8Array.from(answers));
    if (!status) throw new HardwareError('DEVICE_IO', 'the printer answered with bytes that are not status');
    return status;
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  private async run(jobId: string, bytes: Buffer): Promise<PrintOutcome> {
    if (this.completed.has(jobId)) return { jobId, status: 'already-printed' };
    assertReady(await this.status());
    for (let at = 0; at < bytes.length; at += CHUNK) await this.send(bytes.subarray(at, at + CHUNK));
    // The printer reports paper end only once it hits it; a job that ran out is not complete.
    assertReady(await this.status());
    this.completed.add(jobId);
    return { jobId, status: 'printed' };
  }

  private async send(data: Uint8Array): Promise<void> {
    try {
      await this.transport.write(data);
    } catch (err) {
      throw disconnected(err);
    }
  }

  private async receive(): Promise<Uint8Array> {
    try {
      return await this.transport.read(1);
    } catch (err) {
      throw disconnected(err);
    }
  }
}

function disconnected(err: unknown): HardwareError {
  if (err instanceof HardwareError) return err;
  return new HardwareError(
    'PRINTER_DISCONNECTED',
    'the printer stopped answering (unplugged or powered off?)',
    {
      cause: err,
    },
  );
}

function assertReady(s: PrinterStatus): void {
  if (s.paperOut) throw new HardwareError('PAPER_OUT', 'the printer is out of paper');
  if (s.coverOpen) throw new HardwareError('COVER_OPEN', 'the printer cover is open');
  if (!s.online || s.error) throw new HardwareError('PRINTER_OFFLINE', 'the printer is offline or in error');
}
