import { holdsCardData } from '../../../protocol/card-data';
import { usCharacter } from './physical-keys';

/**
 * Tells a keyboard-wedge scanner's scan from a person typing, from the keys the window sees
 * (issue #18). No DOM here: `useScanCapture` feeds it `keydown`s and acts on its answers, and
 * tests feed it keys with their timestamps.
 *
 * No key is ever held back: every character goes where it would have gone. When the end key
 * shows that a burst was a scan, the caller puts the focused field back as it was before the
 * burst began, swallows the end key (so Enter does not press Pay) and hands the code to the cart.
 *
 * Where a person types fast on purpose (a PIN or password field, a modal dialog, a free-text field
 * marked for it: `guarded` keys), timing proves nothing: a cashier's "4821" and Enter is as quick
 * as a scanner. There a burst is a scan only when the scanner's configured prefix frames it; with
 * no prefix set, a burst typed while guarded is always typing, and a scan lands in that field, as
 * any keyboard's would. Everywhere else (the cash field, the search box) timing still decides, so a
 * scan while "Cash tendered" has focus goes to the cart.
 *
 * A fast burst that holds card data (a magstripe reader in keyboard mode) is never a scan nor left
 * in a field, guarded or not: the keys themselves (`KeyboardEvent.code`, read as a US keyboard's)
 * are judged beside the characters, so a track typed on any layout is recognised (on French AZERTY
 * `%B4111…` arrives as `5B'&&&…`; issue #16, L-b).
 */

/** The key a scanner sends after each code: Enter, Tab, or a Ctrl-key suffix (Ctrl+J is LF, Ctrl+M CR). */
export type ScanTerminator = 'enter' | 'tab' | 'ctrl-j' | 'ctrl-m';

export interface ScanRules {
  /** Text the scanner types before each code: with it, a scan is known by its prefix, not by timing. */
  readonly prefix: string;
  readonly suffix: string;
  readonly terminator: ScanTerminator;
  /** Shortest code, prefix and suffix not counted; shorter bursts are typing. */
  readonly minLength: number;
  /** Longest gap between two keys of one scan. Scanners type every few ms; people 80+ ms apart. */
  readonly maxInterKeyMs: number;
}

export const DEFAULT_SCAN_RULES: ScanRules = {
  prefix: '',
  suffix: '',
  terminator: 'enter',
  minLength: 4,
  maxInterKeyMs: 50,
};

export interface ScanKey {
  /** `KeyboardEvent.key` */
  readonly key: string;
  readonly ctrl: boolean;
  readonly alt: boolean;
  readonly meta: boolean;
  /** `KeyboardEvent.timeStamp`, in ms. */
  readonly at: number;
  /** `KeyboardEvent.code` and `shiftKey`: the physical key, whatever the layout made of it. */
  readonly code?: string;
  readonly shift?: boolean;
  /** Typed into a PIN/password field, a modal dialog or a free-text field: timing alone is no scan. */
  readonly guarded?: boolean;
}

export type ScanDecision =
  /** Let the key through; `start` marks the first key of a burst that may turn out to be a scan. */
  | { readonly kind: 'pass'; readonly start: boolean }
  /** The burst was a scan: swallow this end key, restore the field, hand `code` to the cart. */
  | { readonly kind: 'scan'; readonly code: string }
  /** The burst was card data: swallow this end key, restore the field, say so; the text goes nowhere. */
  | { readonly kind: 'card-data' };

/** Longest burst kept; a stuck key or a paste of a novel is not a scan. */
const MAX_BURST = 4096;

const CTRL_LETTER: Record<ScanTerminator, string | null> = {
  enter: null,
  tab: null,
  'ctrl-j': 'j',
  'ctrl-m': 'm',
};

export class ScanDetector {
  private text = '';
  /** The same keys as a US keyboard types them. */
  private physical = '';
  private fast = true;
  private guarded = false;
  private last = -Infinity;

  constructor(private readonly rules: ScanRules) {}

  key(key: ScanKey): ScanDecision {
    if (this.isTerminator(key)) return this.finish(key.at, key.guarded === true);
    // Shift, CapsLock, AltGraph… pressed on their own type nothing and do not break a burst. A dead
    // key (QWERTZ's = key, AZERTY's [) types nothing yet, but is the reader's key all the same.
    if (MODIFIERS.has(key.key)) {
      if (key.key === 'Dead' && this.text) this.physical += this.usKey(key);
      return PASS;
    }
    // AltGr reports Ctrl+Alt on Windows and types a character: that stays in the burst.
    const altGr = key.ctrl && key.alt && !key.meta;
    if (key.key.length !== 1 || ((key.ctrl || key.alt || key.meta) && !altGr)) {
      this.reset();
      return PASS;
    }
    const gap = key.at - this.last;
    this.last = key.at;
    let start = false;
    if (this.text && gap > this.rules.maxInterKeyMs && !this.withinPrefix()) {
      // A pause: what came before was typing; this key may begin a scan.
      this.text = '';
      this.physical = '';
    }
    if (!this.text) {
      start = true;
      this.fast = true;
      this.guarded = false;
    } else if (gap > this.rules.maxInterKeyMs) this.fast = false;
    this.text += key.key;
    this.physical += this.usKey(key);
    if (key.guarded) this.guarded = true;
    if (this.text.length > MAX_BURST) this.reset();
    return { kind: 'pass', start };
  }

  reset(): void {
    this.text = '';
    this.physical = '';
    this.fast = true;
    this.guarded = false;
    this.last = -Infinity;
  }

  /** The burst began with the prefix, or is the start of it: timing does not end it. */
  private withinPrefix(): boolean {
    return this.rules.prefix !== '' && (this.prefixed() || this.rules.prefix.startsWith(this.text));
  }

  private prefixed(): boolean {
    return this.rules.prefix !== '' && this.text.startsWith(this.rules.prefix);
  }

  private isTerminator(key: ScanKey): boolean {
    const letter = CTRL_LETTER[this.rules.terminator];
    if (letter && key.ctrl && !key.alt && !key.meta && key.key.toLowerCase() === letter) return true;
    if (key.ctrl || key.alt || key.meta) return false;
    // With Tab or a Ctrl key as the end key, Enter still ends a scan (as the core's driver does).
    return key.key === 'Enter' || (this.rules.terminator === 'tab' && key.key === 'Tab');
  }

  private usKey(key: ScanKey): string {
    return key.code ? usCharacter(key.code, key.shift === true) : key.key;
  }

  private finish(at: number, endGuarded: boolean): ScanDecision {
    const text = this.text;
    const physical = this.physical;
    const inTime = this.fast && at - this.last <= this.rules.maxInterKeyMs;
    const prefixed = this.prefixed();
    const guarded = this.guarded || endGuarded;
    this.reset();
    if (!text) return PASS;
    if (inTime && (holdsCardData(text) || holdsCardData(physical))) return { kind: 'card-data' };
    if (!prefixed && (this.rules.prefix !== '' || !inTime || guarded)) return PASS;
    let code = prefixed ? text.slice(this.rules.prefix.length) : text;
    if (this.rules.suffix) {
      if (!code.endsWith(this.rules.suffix)) return PASS;
      code = code.slice(0, -this.rules.suffix.length);
    }
    if (code.length < this.rules.minLength) return PASS;
    return { kind: 'scan', code };
  }
}

const PASS: ScanDecision = { kind: 'pass', start: false };
const MODIFIERS = new Set(['Shift', 'CapsLock', 'AltGraph', 'Control', 'Alt', 'Meta', 'Dead']);
