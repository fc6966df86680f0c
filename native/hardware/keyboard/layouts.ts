/**
 * HID keyboard usages (HID Usage Tables 1.5, section 10 "Keyboard/Keypad Page 0x07") to the
 * characters they produce under a given OS layout. Keyboard-wedge readers and scanners send usages
 * for the layout they are configured for, so decoding must use that same layout.
 */
export type KeyboardLayoutName = 'us' | 'fr-azerty';

/** [unshifted, shifted, AltGr]; '' where the combination types nothing. A leading '\u0000' marks a dead key. */
type KeyRow = readonly [string, string, string?];

export const DEAD = '\u0000';
export const ENTER = 0x28;
export const TAB = 0x2b;
export const KEYPAD_ENTER = 0x58;

function letters(order: string): Record<number, KeyRow> {
  const map: Record<number, KeyRow> = {};
  for (let i = 0; i < 26; i++) {
    const c = order[i] ?? '';
    map[0x04 + i] = [c, c.toUpperCase()];
  }
  return map;
}

const KEYPAD: Record<number, KeyRow> = {
  0x54: ['/', '/'],
  0x55: ['*', '*'],
  0x56: ['-', '-'],
  0x57: ['+', '+'],
  0x59: ['1', '1'],
  0x5a: ['2', '2'],
  0x5b: ['3', '3'],
  0x5c: ['4', '4'],
  0x5d: ['5', '5'],
  0x5e: ['6', '6'],
  0x5f: ['7', '7'],
  0x60: ['8', '8'],
  0x61: ['9', '9'],
  0x62: ['0', '0'],
  0x63: ['.', '.'],
};

const US: Record<number, KeyRow> = {
  ...letters('abcdefghijklmnopqrstuvwxyz'),
  0x1e: ['1', '!'],
  0x1f: ['2', '@'],
  0x20: ['3', '#'],
  0x21: ['4', '$'],
  0x22: ['5', '%'],
  0x23: ['6', '^'],
  0x24: ['7', '&'],
  0x25: ['8', '*'],
  0x26: ['9', '('],
  0x27: ['0', ')'],
  0x2c: [' ', ' '],
  0x2d: ['-', '_'],
  0x2e: ['=', '+'],
  0x2f: ['[', '{'],
  0x30: [']', '}'],
  0x31: ['\\', '|'],
  0x32: ['\\', '|'],
  0x33: [';', ':'],
  0x34: ["'", '"'],
  0x35: ['`', '~'],
  0x36: [',', '<'],
  0x37: ['.', '>'],
  0x38: ['/', '?'],
  ...KEYPAD,
};

// French AZERTY as Windows and X11 ("fr") define it: the number row types symbols unshifted and
// digits shifted, A/Q and Z/W and M swap places, and ^ is a dead key (AltGr+9 types a plain ^).
const FR: Record<number, KeyRow> = {
  ...letters('qbcdefghijkl,noparstuvzxyw'),
  0x10: [',', '?'],
  0x1e: ['&', '1'],
  0x1f: ['é', '2', '~'],
  0x20: ['"', '3', '#'],
  0x21: ["'", '4', '{'],
  0x22: ['(', '5', '['],
  0x23: ['-', '6', '|'],
  0x24: ['è', '7', '`'],
  0x25: ['_', '8', '\\'],
  0x26: ['ç', '9', '^'],
  0x27: ['à', '0', '@'],
  0x2c: [' ', ' '],
  0x2d: [')', '°', ']'],
  0x2e: ['=', '+', '}'],
  0x2f: [`${DEAD}^`, `${DEAD}¨`],
  0x30: ['$', '£', '¤'],
  0x31: ['*', 'µ'],
  0x32: ['*', 'µ'],
  0x33: ['m', 'M'],
  0x34: ['ù', '%'],
  0x35: ['²', ''],
  0x36: [';', '.'],
  0x37: [':', '/'],
  0x38: ['!', '§'],
  0x64: ['<', '>'],
  ...KEYPAD,
};

export const LAYOUTS: Readonly<Record<KeyboardLayoutName, Readonly<Record<number, KeyRow>>>> = {
  us: US,
  'fr-azerty': FR,
};

/** The characters a usage produces; '' for keys that type nothing under this layout. */
export function charFor(layout: KeyboardLayoutName, usage: number, shift: boolean, altGr: boolean): string {
  const row = LAYOUTS[layout][usage];
  if (!row) return '';
  if (altGr) return row[2] ?? '';
  return shift ? row[1] : row[0];
}

type Stroke = { usage: number; shift: boolean; altGr: boolean };
const reverse = new Map<KeyboardLayoutName, Map<string, Stroke>>();

function reverseMap(layout: KeyboardLayoutName): Map<string, Stroke> {
  const cached = reverse.get(layout);
  if (cached) return cached;
  const table = LAYOUTS[layout];
  const usages = Object.keys(table)
    .map(Number)
    .sort((a, b) => a - b);
  const map = new Map<string, Stroke>([
    ['\n', { usage: ENTER, shift: false, altGr: false }],
    ['\r', { usage: ENTER, shift: false, altGr: false }],
    ['\t', { usage: TAB, shift: false, altGr: false }],
  ]);
  // Main block before keypad, plain before shifted before AltGr: what a configured reader sends.
  const groups = [usages.filter((u) => u < 0x54), usages.filter((u) => u >= 0x54)];
  for (const group of groups) {
    for (const variant of [0, 1, 2] as const) {
      for (const usage of group) {
        const ch = table[usage]?.[variant];
        if (ch && !map.has(ch)) map.set(ch, { usage, shift: variant === 1, altGr: variant === 2 });
      }
    }
  }
  reverse.set(layout, map);
  return map;
}

/** Reverse map for simulators: the usage and modifiers that type `ch` under `layout`. */
export function keystrokeFor(layout: KeyboardLayoutName, ch: string): Stroke | undefined {
  return reverseMap(layout).get(ch);
}
