import { holdsCardData } from '../../../protocol/card-data';
import { BootReportDecoder, type KeyEvent } from '../keyboard/boot-report';
import type { KeyboardLayoutName } from '../keyboard/layouts';
import { Listeners } from '../listeners';
import { recogniseGtin } from './gtin';
import type { DiscardedScan, ScanResult } from './types';

export interface WedgeOptions {
  readonly layout: KeyboardLayoutName;
  /** Longest gap between two keys of one scan. Scanners type every few ms; people take 80+ ms. */
  readonly maxInterKeyMs?: number;
  /** Shortest scan; shorter bursts are keystrokes. */
  readonly minLength?: number;
  /** Keys that end a scan; scanners are configured to send one of them as suffix. */
  readonly terminators?: ReadonlyArray<WedgeTerminator>;
  /** Configured prefix/suffix text the scanner adds, stripped from scans. */
  readonly prefix?: string;
  readonly suffix?: string;
}

/** Enter, Tab, or a control-character suffix typed as Ctrl+J (LF) / Ctrl+M (CR). */
export type WedgeTerminator = Exclude<KeyEvent['kind'], 'char'>;

export const WEDGE_DEFAULTS = { maxInterKeyMs: 50, minLength: 4, terminators: ['enter'] as const };

/** What a person typed on the same keyboard device, handed back for the focused field. */
export interface Typed {
  readonly text: string;
}

/**
 * A keyboard-wedge scanner types like a keyboard; what tells its scans from a person typing is the
 * rhythm. A scan is a burst of at least `minLength` characters, each within `maxInterKeyMs` of the
 * previous, ended by a terminator key. Timestamps come with each report, so the decision is
 * deterministic and testable.
 */
export class WedgeScanner {
  private readonly decoder: BootReportDecoder;
  /** The same reports read on a US layout: the keys a reader sends, whatever layout it was set for. */
  private readonly keys = new BootReportDecoder('us');
  private readonly scans = new Listeners<ScanResult>();
  private readonly typing = new Listeners<Typed>();
  private readonly discards = new Listeners<DiscardedScan>();
  private readonly opts: Required<Omit<WedgeOptions, 'prefix' | 'suffix'>> & {
    prefix: string;
    suffix: string;
  };
  private text = '';
  private physical = '';
  private burst = true;
  private last = -Infinity;

  constructor(options: WedgeOptions) {
    this.decoder = new BootReportDecoder(options.layout);
    this.opts = {
      layout: options.layout,
      maxInterKeyMs: options.maxInterKeyMs ?? WEDGE_DEFAULTS.maxInterKeyMs,
      minLength: options.minLength ?? WEDGE_DEFAULTS.minLength,
      terminators: options.terminators ?? WEDGE_DEFAULTS.terminators,
      prefix: options.prefix ?? '',
      suffix: options.suffix ?? '',
    };
  }

  onScan(listener: (scan: ScanResult) => void): () => void {
    return this.scans.add(listener);
  }

  onTyped(listener: (typed: Typed) => void): () => void {
    return this.typing.add(listener);
  }

  /** Scans (or typing) that held card data: only the notice, never the text. */
  onDiscard(listener: (discarded: DiscardedScan) => void): () => void {
    return this.discards.add(listener);
  }

  /** One boot keyboard report and its arrival time in ms. Never throws. */
  feed(report: Uint8Array, at: number): void {
    for (const event of this.keys.decode(report)) if (event.kind === 'char') this.physical += event.text;
    for (const event of this.decoder.decode(report)) this.key(event, at);
  }

  private key(event: KeyEvent, at: number): void {
    const gap = at - this.last;
    this.last = at;
    if (this.text && gap > this.opts.maxInterKeyMs) this.burst = false;
    if (event.kind !== 'char' && this.opts.terminators.includes(event.kind)) {
      this.finish();
      return;
    }
    // A Ctrl key that is not this scanner's end key types nothing.
    if (event.kind === 'ctrl-j' || event.kind === 'ctrl-m') return;
    const ch = event.kind === 'char' ? event.text : '\t';
    if (!this.text) this.burst = true;
    this.text += ch;
    if (this.text.length > 8192) this.finish();
  }

  private finish(): void {
    const text = this.text;
    const physical = this.physical;
    const burst = this.burst;
    this.text = '';
    this.physical = '';
    this.burst = true;
    if (!text) return;
    // A magstripe reader on the scanner's port types its tracks: they go no further than here. Its
    // keys are judged too, as a US keyboard types them: a reader sending US keys to a till set for
    // AZERTY decodes to `5B'&&&…`, still a track (issue #16, L-b).
    if (holdsCardData(text) || holdsCardData(physical)) {
      this.discards.emit({ reason: 'CARD_DATA', source: 'keyboard-wedge' });
      return;
    }
    if (!burst || text.length < this.opts.minLength) {
      this.typing.emit({ text });
      return;
    }
    let data = text;
    if (this.opts.prefix && data.startsWith(this.opts.prefix)) data = data.slice(this.opts.prefix.length);
    if (this.opts.suffix && data.endsWith(this.opts.suffix)) data = data.slice(0, -this.opts.suffix.length);
    const gtin = recogniseGtin(data);
    this.scans.emit({ data, source: 'keyboard-wedge', ...(gtin ? { gtin } : {}) });
  }
}
