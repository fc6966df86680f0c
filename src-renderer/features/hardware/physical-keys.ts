/**
 * What a physical key types on a US layout, from `KeyboardEvent.code` (W3C UI Events KeyboardEvent
 * code values, named after the US key in that place). A magstripe reader in keyboard mode sends the
 * keys of its tracks' characters on a US keyboard; on another layout the window sees other
 * characters (on French AZERTY `%B4111…` arrives as `5B'&&&…`), but the same keys. Judging those
 * keys, read back as US characters, recognises a track typed on any layout (issue #16, L-b).
 * The renderer's scan handling runs it on every keydown.
 */
const DIGITS = '0123456789';
const SHIFTED_DIGITS = ')!@#$%^&*(';
const PUNCTUATION: Readonly<Record<string, readonly [string, string]>> = {
  Minus: ['-', '_'],
  Equal: ['=', '+'],
  BracketLeft: ['[', '{'],
  BracketRight: [']', '}'],
  Backslash: ['\\', '|'],
  Semicolon: [';', ':'],
  Quote: ["'", '"'],
  Backquote: ['`', '~'],
  Comma: [',', '<'],
  Period: ['.', '>'],
  Slash: ['/', '?'],
  Space: [' ', ' '],
  NumpadDecimal: ['.', '.'],
  NumpadDivide: ['/', '/'],
  NumpadMultiply: ['*', '*'],
  NumpadSubtract: ['-', '-'],
  NumpadAdd: ['+', '+'],
};

/** The character `code` types on a US layout, '' for keys that type none there (Shift, F1, Enter…). */
export function usCharacter(code: string, shift: boolean): string {
  const digit = /^(?:Digit|Numpad)(\d)$/.exec(code);
  if (digit) {
    const d = Number(digit[1]);
    return shift && code.startsWith('Digit') ? SHIFTED_DIGITS[d]! : DIGITS[d]!;
  }
  const letter = /^Key([A-Z])$/.exec(code);
  if (letter) return shift ? letter[1]! : letter[1]!.toLowerCase();
  const row = PUNCTUATION[code];
  return row ? row[shift ? 1 : 0] : '';
}

let usKeys: Map<string, { code: string; shift: boolean }> | undefined;

/** The US key (code, Shift) that types `ch`: what a keyboard-mode reader presses for it (simulators). */
export function usKeyFor(ch: string): { code: string; shift: boolean } | undefined {
  if (!usKeys) {
    usKeys = new Map();
    const codes = [
      ...[...DIGITS].map((d) => `Digit${d}`),
      ...[...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((l) => `Key${l}`),
      ...Object.keys(PUNCTUATION).filter((code) => !code.startsWith('Numpad')),
    ];
    for (const code of codes)
      for (const shift of [false, true]) {
        const typed = usCharacter(code, shift);
        if (!usKeys.has(typed)) usKeys.set(typed, { code, shift });
      }
  }
  return usKeys.get(ch);
}

/** The keys of one keydown as the scan handling sees them. */
export interface PhysicalKey {
  readonly code: string;
  readonly key: string;
  readonly shiftKey: boolean;
  readonly ctrlKey: boolean;
  readonly altKey: boolean;
  readonly metaKey: boolean;
}

/**
 * The last keys typed into one field, as US characters: Backspace takes the last one back, a
 * Ctrl/Meta shortcut types nothing (AltGr, which reports Ctrl+Alt, does). Long enough for a card
 * number and the start of a track; older keys fall off.
 */
export class PhysicalText {
  private text = '';

  constructor(private readonly keep = 64) {}

  key(event: PhysicalKey): void {
    if (event.key === 'Backspace') this.text = this.text.slice(0, -1);
    const altGr = event.ctrlKey && event.altKey && !event.metaKey;
    if ((event.ctrlKey || event.metaKey) && !altGr) return;
    this.text = (this.text + usCharacter(event.code, event.shiftKey)).slice(-this.keep);
  }

  reset(): void {
    this.text = '';
  }

  get value(): string {
    return this.text;
  }
}
