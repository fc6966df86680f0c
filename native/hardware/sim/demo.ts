import type { CardReader } from '../card/readers';
import type { HidPosScanner } from '../scanner/hid-pos';
import {
  idTechPacket,
  chunkReports,
  keyboardReaderReports,
  magTekReport,
  type SimSwipe,
} from './card-readers';
import { DEMO_CARDS, type DemoCard } from './demo-cards';
import { SimulatedEscPosPrinter } from './escpos-printer';
import { hidPosReports } from './scanners';

/**
 * Demo hardware: every role is a simulator speaking the real byte formats, so Settings → "demo
 * hardware" and end-to-end tests drive the same decoders a real device would.
 */
export class DemoHardware {
  readonly printer = new SimulatedEscPosPrinter();
  private clock = 0;

  constructor(
    private readonly cardReader: () => CardReader | undefined,
    private readonly scanner: () => HidPosScanner | undefined,
  ) {}

  /** Swipes a card through the demo reader in its format. Test numbers only. */
  swipe(tracks: SimSwipe): void {
    const reader = this.cardReader();
    if (!reader) return;
    const reports =
      reader.format === 'magtek'
        ? [magTekReport(tracks)]
        : reader.format === 'idtech'
          ? chunkReports(idTechPacket(tracks))
          : keyboardReaderReports(tracks, { layout: 'us' });
    for (const r of reports) reader.feed(r, (this.clock += 4));
  }

  /** Swipes one of the named demo cards (see demo-cards.ts). */
  swipeSample(name: DemoCard): void {
    this.swipe(DEMO_CARDS[name]);
  }

  /**
   * A magstripe reader set up as a keyboard scanner: the named test card's tracks as the scanner's
   * decoded data, track 1 then track 2, as such readers type them.
   */
  scanCard(name: DemoCard): void {
    const card: SimSwipe = DEMO_CARDS[name];
    this.scan(`${card.track1 ?? ''}${card.track2 ?? ''}`, ']X0');
  }

  scan(data: string, aim = ']Q1'): void {
    const scanner = this.scanner();
    if (!scanner) return;
    for (const r of hidPosReports(data, aim)) scanner.feed(r);
  }
}
