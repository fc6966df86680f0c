import { decodeCp858 } from '../printer/codepage';
import type { Align, PrintedElement, TextLine } from '../printer/layout';
import { renderSvg } from '../printer/render-svg';
import type { PrinterTransport } from '../printer/transport';

export interface SimPrinterState {
  paperOut: boolean;
  paperNearEnd: boolean;
  coverOpen: boolean;
  unplugged: boolean;
  /** Simulates running out of paper after this many more printable bytes. */
  paperOutAfterBytes?: number;
  drawerOpen: boolean;
}

/**
 * An ESC/POS printer that consumes the bytes a real one would: it keeps what it printed as
 * PrintedElements (the picture), answers DLE EOT status queries from its switchable state, and
 * records commands it does not know instead of guessing at them.
 */
export class SimulatedEscPosPrinter implements PrinterTransport {
  readonly state: SimPrinterState = {
    paperOut: false,
    paperNearEnd: false,
    coverOpen: false,
    unplugged: false,
    drawerOpen: false,
  };
  readonly printed: PrintedElement[] = [];
  readonly unknownCommands: string[] = [];
  drawerKicks = 0;
  /** Every byte written to the printer, status queries included: what tests count jobs by. */
  bytesReceived = 0;
  private pending: number[] = [];
  private input: number[] = [];
  private line: number[] = [];
  private style = { align: 'left' as Align, bold: false, double: false, underline: false };
  private qrData: Buffer | undefined;

  constructor(readonly columns = 48) {}

  async write(data: Uint8Array): Promise<void> {
    if (this.state.unplugged) throw new Error('LIBUSB_ERROR_NO_DEVICE');
    this.bytesReceived += data.length;
    this.input.push(...data);
    this.consume();
  }

  async read(length: number): Promise<Uint8Array> {
    if (this.state.unplugged) throw new Error('LIBUSB_ERROR_NO_DEVICE');
    return Uint8Array.from(this.pending.splice(0, length));
  }

  async close(): Promise<void> {}

  /** What the paper shows, as SVG. */
  picture(): string {
    return renderSvg(this.printed, this.columns);
  }

  private consume(): void {
    for (;;) {
      const used = this.step();
      if (used === 0) return;
      this.input.splice(0, used);
    }
  }

  /** Interprets one command or character at the head of the input; 0 when more bytes are needed. */
  private step(): number {
    const b = this.input;
    const [b0, b1, b2] = b;
    if (b0 === undefined) return 0;
    if (b0 === 0x10) {
      if (b.length < 3) return 0;
      if (b1 === 0x04 && b2 !== undefined && b2 >= 1 && b2 <= 4) this.pending.push(this.statusByte(b2));
      else this.unknownCommands.push(`DLE ${hex(b1)} ${hex(b2)}`);
      return 3;
    }
    if (this.state.paperOut || this.state.coverOpen) return b.length; // an offline printer drops data
    if (b0 === 0x0a) {
      this.printLine();
      return 1;
    }
    if (b0 === 0x1b) {
      if (b1 === undefined) return 0;
      if (b1 === 0x40) {
        this.style = { align: 'left', bold: false, double: false, underline: false };
        this.line = [];
        return 2;
      }
      if (b2 === undefined) return 0;
      switch (b1) {
        case 0x45:
          this.style.bold = (b2 & 1) === 1;
          return 3;
        case 0x2d:
          this.style.underline = b2 === 1 || b2 === 2 || b2 === 0x31 || b2 === 0x32;
          return 3;
        case 0x61:
          this.style.align = b2 % 0x30 === 1 ? 'center' : b2 % 0x30 === 2 ? 'right' : 'left';
          return 3;
        case 0x74:
          if (b2 !== 19) this.unknownCommands.push(`ESC t ${b2}`);
          return 3;
        case 0x64:
          return 3;
        case 0x70:
          if (b.length < 5) return 0;
          this.drawerKicks++;
          this.state.drawerOpen = true;
          this.printed.push({ kind: 'drawer' });
          return 5;
      }
      this.unknownCommands.push(`ESC ${hex(b1)}`);
      return 2;
    }
    if (b0 === 0x1d) {
      if (b1 === undefined || b2 === undefined) return 0;
      if (b1 === 0x21) {
        this.style.double = (b2 & 0x11) === 0x11;
        return 3;
      }
      if (b1 === 0x56) {
        if (b2 === 0x41 || b2 === 0x42) {
          if (b.length < 4) return 0;
          this.printed.push({ kind: 'cut' });
          return 4;
        }
        this.printed.push({ kind: 'cut' });
        return 3;
      }
      if (b1 === 0x28 && b2 === 0x6b) {
        if (b.length < 5) return 0;
        const len = (b[3] ?? 0) | ((b[4] ?? 0) << 8);
        if (b.length < 5 + len) return 0;
        this.qr(Buffer.from(b.slice(5, 5 + len)));
        return 5 + len;
      }
      this.unknownCommands.push(`GS ${hex(b1)}`);
      return 2;
    }
    if (b0 < 0x20) {
      this.unknownCommands.push(`control ${hex(b0)}`);
      return 1;
    }
    this.line.push(b0);
    if (this.state.paperOutAfterBytes !== undefined && --this.state.paperOutAfterBytes <= 0) {
      this.state.paperOut = true;
    }
    return 1;
  }

  private qr(params: Buffer): void {
    const [cn, fn] = params;
    if (cn !== 0x31) return void this.unknownCommands.push(`GS ( k cn=${hex(cn)}`);
    if (fn === 0x50) this.qrData = params.subarray(3);
    else if (fn === 0x51) {
      if (this.qrData) this.printed.push({ kind: 'qr', data: this.qrData.toString('utf8') });
      this.qrData = undefined;
    } else if (fn !== 0x41 && fn !== 0x43 && fn !== 0x45) this.unknownCommands.push(`GS ( k fn=${hex(fn)}`);
  }

  private printLine(): void {
    const el: TextLine = { kind: 'text', text: decodeCp858(Uint8Array.from(this.line)), ...this.style };
    this.line = [];
    this.printed.push(el);
  }

  private statusByte(n: number): number {
    const s = this.state;
    switch (n) {
      case 1:
        return 0x12 | (s.paperOut || s.coverOpen ? 0x08 : 0) | (s.drawerOpen ? 0x04 : 0);
      case 2:
        return 0x12 | (s.coverOpen ? 0x04 : 0) | (s.paperOut ? 0x20 : 0);
      case 3:
        return 0x12;
      default:
        return 0x12 | (s.paperNearEnd || s.paperOut ? 0x0c : 0) | (s.paperOut ? 0x60 : 0);
    }
  }
}

const hex = (b: number | undefined): string =>
  b === undefined ? '--' : `0x${b.toString(16).padStart(2, '0')}`;
