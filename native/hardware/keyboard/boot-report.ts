import { DEAD, ENTER, KEYPAD_ENTER, TAB, charFor, type KeyboardLayoutName } from './layouts';

/**
 * HID boot-protocol keyboard input report (Device Class Definition for HID 1.11, appendix B.1):
 * byte 0 modifier bits (LCtrl, LShift, LAlt, LGUI, RCtrl, RShift, RAlt, RGUI), byte 1 reserved,
 * bytes 2–7 the usages of up to six keys held down. A key types once, when it first appears.
 */
export const BOOT_REPORT_LENGTH = 8;
const SHIFT = 0x02 | 0x20;
const RIGHT_ALT = 0x40;
const CTRL_ALT = 0x01 | 0x04;
/** Usage 0x01 in every slot: the keyboard reports more keys than it can (ErrorRollOver). */
const ROLLOVER = 0x01;

const CTRL = 0x01 | 0x10;
/** Usages of the letters a–z (HID Usage Tables §10: 0x04 'a' … 0x1D 'z'). */
const LETTER_A = 0x04;
const LETTER_Z = 0x1d;

/**
 * A key typed. `ctrl-j`, `ctrl-m`: Ctrl with a letter and no Alt, the way scanners set to send
 * control characters (LF, CR) as a suffix type them; other Ctrl+letter combinations type nothing.
 */
export type KeyEvent =
  | { kind: 'char'; text: string }
  | { kind: 'enter' }
  | { kind: 'tab' }
  | { kind: 'ctrl-j' }
  | { kind: 'ctrl-m' };

export class BootReportDecoder {
  private held = new Set<number>();
  private pendingDead = '';

  constructor(private readonly layout: KeyboardLayoutName) {}

  /**
   * Key events newly typed by this report; malformed reports type nothing. A report one byte
   * longer starts with a report ID (keyboards with more than one report in their descriptor, such
   * as readers that also have a vendor or consumer-control report): the ID is skipped.
   */
  decode(input: Uint8Array): KeyEvent[] {
    const report = input.length === BOOT_REPORT_LENGTH + 1 ? input.subarray(1) : input;
    if (report.length !== BOOT_REPORT_LENGTH) return [];
    const modifiers = report[0] ?? 0;
    const keys = report.subarray(2);
    if (keys.every((k) => k === ROLLOVER)) return [];
    const shift = (modifiers & SHIFT) !== 0;
    const altGr = (modifiers & RIGHT_ALT) !== 0 || (modifiers & CTRL_ALT) === CTRL_ALT;
    const ctrl = (modifiers & CTRL) !== 0 && !altGr;
    const now = new Set<number>();
    const events: KeyEvent[] = [];
    for (const usage of keys) {
      if (usage === 0 || now.has(usage)) continue;
      now.add(usage);
      if (this.held.has(usage)) continue;
      if (ctrl) this.control(usage, events);
      else this.type(usage, shift, altGr, events);
    }
    this.held = now;
    return events;
  }

  reset(): void {
    this.held.clear();
    this.pendingDead = '';
  }

  private type(usage: number, shift: boolean, altGr: boolean, events: KeyEvent[]): void {
    if (usage === ENTER || usage === KEYPAD_ENTER || usage === TAB) {
      this.flushDead(events);
      events.push(usage === TAB ? { kind: 'tab' } : { kind: 'enter' });
      return;
    }
    const text = charFor(this.layout, usage, shift, altGr);
    if (!text) return;
    if (text.startsWith(DEAD)) {
      this.flushDead(events);
      this.pendingDead = text.slice(1);
      return;
    }
    // Dead key then space types the accent itself. Followed by anything else we keep both
    // characters rather than composing (^ + e → ê): tracks and barcodes carry no accented letters,
    // and a field separator must never turn into a letter.
    if (this.pendingDead) {
      const dead = this.pendingDead;
      this.pendingDead = '';
      events.push({ kind: 'char', text: dead });
      if (text === ' ') return;
    }
    events.push({ kind: 'char', text });
  }

  private control(usage: number, events: KeyEvent[]): void {
    if (usage < LETTER_A || usage > LETTER_Z) return;
    const letter = String.fromCharCode(0x61 + usage - LETTER_A);
    if (letter === 'j' || letter === 'm') {
      this.flushDead(events);
      events.push({ kind: `ctrl-${letter}` });
    }
  }

  private flushDead(events: KeyEvent[]): void {
    if (!this.pendingDead) return;
    events.push({ kind: 'char', text: this.pendingDead });
    this.pendingDead = '';
  }
}
