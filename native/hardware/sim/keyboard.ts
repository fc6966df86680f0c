import { BOOT_REPORT_LENGTH } from '../keyboard/boot-report';
import { keystrokeFor, type KeyboardLayoutName } from '../keyboard/layouts';

export interface TypingOptions {
  readonly layout: KeyboardLayoutName;
  /** AZERTY: type ^ as the dead key followed by space, as many readers do, instead of AltGr+9. */
  readonly caretAsDeadKey?: boolean;
}

const LEFT_CTRL = 0x01;
const LEFT_SHIFT = 0x02;
const RIGHT_ALT = 0x40;

function report(modifiers: number, usage: number): Uint8Array {
  const r = new Uint8Array(BOOT_REPORT_LENGTH);
  r[0] = modifiers;
  r[2] = usage;
  return r;
}

/**
 * The boot keyboard reports a keyboard-emulation device sends to type `text`: for every character
 * a key-down report and an all-released report. '\n' is Enter. Throws on characters the layout
 * cannot type (a simulator misuse, not device input).
 */
export function typeText(text: string, options: TypingOptions): Uint8Array[] {
  const reports: Uint8Array[] = [];
  for (const ch of text) {
    if (options.layout === 'fr-azerty' && ch === '^' && options.caretAsDeadKey) {
      reports.push(report(0, 0x2f), report(0, 0), report(0, 0x2c), report(0, 0));
      continue;
    }
    const stroke = keystrokeFor(options.layout, ch);
    if (!stroke)
      throw new Error(`layout ${options.layout} cannot type U+${(ch.codePointAt(0) ?? 0).toString(16)}`);
    const modifiers = (stroke.shift ? LEFT_SHIFT : 0) | (stroke.altGr ? RIGHT_ALT : 0);
    reports.push(report(modifiers, stroke.usage), report(0, 0));
  }
  return reports;
}

/** Ctrl+J (LF) or Ctrl+M (CR) as a scanner sends a control-character suffix: key down, released. */
export function ctrlLetter(letter: 'j' | 'm'): Uint8Array[] {
  return [report(LEFT_CTRL, 0x04 + letter.charCodeAt(0) - 0x61), report(0, 0)];
}

/**
 * The same reports from a keyboard whose descriptor declares report IDs (a keyboard collection
 * beside a vendor or consumer-control one): each report starts with its ID.
 */
export function withReportId(reports: readonly Uint8Array[], id: number): Uint8Array[] {
  return reports.map((r) => Uint8Array.from([id, ...r]));
}
