import { BootReportDecoder, type KeyEvent } from '../keyboard/boot-report';
import type { KeyboardLayoutName } from '../keyboard/layouts';
import { Listeners } from '../listeners';
import { parseIdTechPacket, IdTechPacketAssembler } from './idtech';
import { parseMagTekReport } from './magtek';
import { parseMsrReport, type MsrLayout } from './hid-msr';
import { isIdTechHidReport, readIdTechHidReport } from './idtech-hid';
import { keyboardSwipeTracks } from './keyboard-encrypted';
import { idTechKeyboardLength, looksLikeIdTechKeyboard, parseIdTechKeyboardLine } from './idtech-keyboard';
import type { SwipeProcessor } from './swipe';
import { failure, type SwipeFailure, type SwipeResult, type SwipeTracks } from './types';

export type CardReaderFormat = 'keyboard' | 'magtek' | 'idtech' | 'hid-msr';

/** A card reader driver: raw input reports in, swipe results out. `feed` never throws. */
export interface CardReader {
  readonly format: CardReaderFormat;
  /** One input report; `at` is its arrival time in ms (a monotonic clock; only differences matter). */
  feed(report: Uint8Array, at: number): void;
  onSwipe(listener: (result: SwipeResult) => void): () => void;
  /** Resolves when every swipe fed so far has been reported. */
  idle(): Promise<void>;
  reset(): void;
}

/** The failure message of a report whose decoder threw: the tests check it never appears. */
export const DECODER_THREW = 'the reader sent data that could not be read';

abstract class BaseReader implements CardReader {
  abstract readonly format: CardReaderFormat;
  private readonly listeners = new Listeners<SwipeResult>();
  private queue: Promise<void> = Promise.resolve();

  constructor(protected readonly processor: SwipeProcessor) {}

  onSwipe(listener: (result: SwipeResult) => void): () => void {
    return this.listeners.add(listener);
  }

  idle(): Promise<void> {
    return this.queue;
  }

  feed(report: Uint8Array, at: number): void {
    try {
      this.consume(report, at);
    } catch {
      this.reset();
      this.report(failure('BAD_REPORT', DECODER_THREW));
    }
  }

  abstract reset(): void;
  protected abstract consume(report: Uint8Array, at: number): void;

  protected report(result: SwipeResult): void {
    this.queue = this.queue.then(() => this.listeners.emit(result));
  }

  /** Processes tracks that are views into `owned`, then zeroes `owned`. */
  protected submit(tracks: SwipeTracks | SwipeFailure, owned: Uint8Array): void {
    if ('ok' in tracks) {
      owned.fill(0);
      this.report(tracks);
      return;
    }
    const done = this.processor
      .process(tracks)
      .catch(() => failure('BAD_REPORT', 'the swipe could not be processed'))
      .finally(() => owned.fill(0));
    this.queue = this.queue.then(async () => this.listeners.emit(await done));
  }
}

export interface KeyboardCardReaderOptions {
  readonly layout: KeyboardLayoutName;
  /** A swipe that stops typing for this long without its Enter is dropped (default 1000 ms). */
  readonly idleResetMs?: number;
}

/**
 * Room for an encrypting reader's keyboard swipe: MagneSafe's masked tracks then hex-typed
 * ciphertext, MagnePrint, KSN; an ID TECH packet typed as hex (up to 1018 data bytes, 2048 chars).
 */
const MAX_SWIPE_CHARS = 2048;

const PERCENT = 0x25;
const SEMICOLON = 0x3b;

/**
 * A reader in keyboard emulation: it types the tracks and then Enter. Some (ID TECH readers set to
 * send a terminator after each track) type Enter between the tracks too: an Enter after track 1
 * alone waits for track 2's `;`. Anything else, a second Enter, a pause of `idleResetMs` (the next
 * report's time, or a timer when nothing follows) ends the swipe with what was read. A line that
 * starts "02" is an ID TECH secure reader's packet typed as hex (`idtech-keyboard.ts`): it ends
 * when its declared length has been typed, or at Enter.
 */
export class KeyboardCardReader extends BaseReader {
  readonly format = 'keyboard';
  private readonly decoder: BootReportDecoder;
  private readonly line = Buffer.alloc(MAX_SWIPE_CHARS);
  private length = 0;
  private last = -Infinity;
  private readonly idleResetMs: number;
  /** Track 1 was followed by Enter: the swipe may go on with track 2. */
  private betweenTracks = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(processor: SwipeProcessor, options: KeyboardCardReaderOptions) {
    super(processor);
    this.decoder = new BootReportDecoder(options.layout);
    this.idleResetMs = options.idleResetMs ?? 1000;
  }

  reset(): void {
    this.decoder.reset();
    this.line.fill(0);
    this.length = 0;
    this.betweenTracks = false;
    clearTimeout(this.timer);
  }

  protected consume(report: Uint8Array, at: number): void {
    if (this.length > 0 && at - this.last > this.idleResetMs) {
      if (this.betweenTracks) this.end();
      else {
        this.reset();
        this.report(failure('NO_END_SENTINEL', 'the swipe was cut off'));
      }
    }
    this.last = at;
    for (const event of this.decoder.decode(report)) this.onKey(event);
  }

  /** Hands the line read so far to the parser and starts a new one. */
  private end(): void {
    clearTimeout(this.timer);
    this.betweenTracks = false;
    if (this.length === 0) return;
    const owned = Buffer.from(this.line.subarray(0, this.length));
    this.line.fill(0);
    this.length = 0;
    if (looksLikeIdTechKeyboard(owned)) {
      const { tracks, owned: packet } = parseIdTechKeyboardLine(owned);
      owned.fill(0);
      this.submit(tracks, packet);
      return;
    }
    this.submit(keyboardSwipeTracks(owned), owned);
  }

  private onKey(event: KeyEvent): void {
    if (event.kind === 'ctrl-j' || event.kind === 'ctrl-m') return;
    if (event.kind !== 'char') {
      const track1Alone =
        !this.betweenTracks &&
        this.line[0] === PERCENT &&
        !this.line.subarray(0, this.length).includes(SEMICOLON);
      if (!track1Alone) {
        this.end();
        return;
      }
      this.betweenTracks = true;
      this.timer = setTimeout(() => this.end(), this.idleResetMs);
      this.timer.unref?.();
      return;
    }
    if (this.betweenTracks) {
      this.betweenTracks = false;
      clearTimeout(this.timer);
      if (!event.text.startsWith(';')) this.end();
    }
    for (const ch of event.text) {
      if (this.length >= MAX_SWIPE_CHARS) {
        this.reset();
        this.report(failure('BAD_FORMAT', 'the swipe is longer than any card track'));
        return;
      }
      const code = ch.codePointAt(0) ?? 0;
      // Characters outside Latin-1 become DEL, which no track allows, so the parser names them.
      this.line[this.length++] = code <= 0xff ? code : 0x7f;
    }
    // An ID TECH packet says its own length; its reader may send no Enter after it.
    const line = this.line.subarray(0, this.length);
    if (looksLikeIdTechKeyboard(line) && idTechKeyboardLength(line) === this.length) this.end();
  }
}

/** MagTek USB HID swipe reader: one 337-byte report per swipe. */
export class MagTekCardReader extends BaseReader {
  readonly format = 'magtek';
  reset(): void {}
  protected consume(report: Uint8Array): void {
    const owned = Buffer.from(report);
    this.submit(parseMagTekReport(owned), owned);
  }
}

/**
 * ID TECH reader over HID: its own 500/512-byte report (`idtech-hid.ts`), whose output data is
 * the formatted tracks or an Enhanced packet, or an Enhanced packet spanning several reports
 * (`idtech.ts`). A report is read as the former only when no packet is half assembled.
 */
export class IdTechCardReader extends BaseReader {
  readonly format = 'idtech';
  private readonly assembler = new IdTechPacketAssembler();
  reset(): void {
    this.assembler.reset();
  }
  protected consume(report: Uint8Array): void {
    if (this.assembler.idle() && isIdTechHidReport(report)) {
      const copy = Buffer.from(report);
      const read = readIdTechHidReport(copy);
      if ('packet' in read) {
        const packet = Buffer.from(read.packet);
        copy.fill(0);
        this.submit(parseIdTechPacket(packet), packet);
      } else {
        copy.fill(0);
        this.submit(read.tracks, read.owned);
      }
      return;
    }
    for (const packet of this.assembler.push(report)) this.submit(parseIdTechPacket(packet), packet);
  }
}

/**
 * A reader on the standard HID MSR page (`hid-msr.ts`): one report per swipe, read where the
 * device's report descriptor put the track fields. Without a readable descriptor there is no
 * layout to read by, and each report is refused as such.
 */
export class HidMsrCardReader extends BaseReader {
  readonly format = 'hid-msr';
  constructor(
    processor: SwipeProcessor,
    private readonly layout: MsrLayout | undefined,
  ) {
    super(processor);
  }
  reset(): void {}
  protected consume(report: Uint8Array): void {
    if (!this.layout) {
      this.report(failure('BAD_REPORT', 'the reader did not declare where its tracks are'));
      return;
    }
    const owned = Buffer.from(report);
    const tracks = parseMsrReport(owned, this.layout);
    if (tracks) this.submit(tracks, owned);
    else owned.fill(0);
  }
}

export function createCardReader(
  format: CardReaderFormat,
  processor: SwipeProcessor,
  layout: KeyboardLayoutName = 'us',
  msrLayout?: MsrLayout,
): CardReader {
  if (format === 'magtek') return new MagTekCardReader(processor);
  if (format === 'hid-msr') return new HidMsrCardReader(processor, msrLayout);
  if (format === 'idtech') return new IdTechCardReader(processor);
  return new KeyboardCardReader(processor, { layout });
}
