/**
 * Card data that reached a path other than the card reader's (issue #16, item 7): a magstripe
 * reader set up as a keyboard scanner types its tracks like a barcode. Whatever looks like track
 * data or a card number is dropped by the scanner drivers, the core and the till's search box, and
 * never echoed; the cashier is told to use the card reader instead. Browser-safe: the renderer runs
 * the same rule before anything it collected from the keyboard leaves for the core.
 *
 * The rule (docs/hardware.md, "Card data read by the scanner"):
 * - track data, anywhere in the text: a track 1 start `%B` followed by a digit; a track 2 start
 *   `;` followed by 8+ digits (or `*`s masking some), or by digits and `=`; a card number, whole or
 *   `*`-masked, followed by a field separator (`=` or `^`: a track whose sentinels were lost); a
 *   track 1 name and expiry (`^NAME^YYMM`);
 * - a Luhn-valid run of 15–19 digits, also with single spaces or dashes between groups, or any
 *   short run of other separators between groups of 3+ digits (after NFKC: full-width digits too);
 * - a Luhn-valid run of 12–14 digits whose GS1 check digit is wrong: no product code has it;
 * - a Luhn-valid 12–14 digit run that is also a valid GTIN is `ambiguous`: when it is the whole
 *   scan it sells only if the catalog knows it (the core checks), otherwise it is card data.
 * Runs longer than 19 digits are some other number (GS1-128 strings, serials), not a card.
 */

export const CARD_DATA_DISCARDED = 'CARD_DATA_DISCARDED';
export const CARD_DATA_MESSAGE = 'Card data was read by the scanner; it was discarded. Use the card reader.';

export type CardDataVerdict = 'none' | 'card-data' | 'ambiguous';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

const TRACK_PATTERNS: readonly RegExp[] = [
  /%B\d/,
  /;\d{8}/,
  /;\d+=/,
  /\d{12,19}[=^]/,
  // A masked card number (`4111********1111`, as readers set to mask send it) in a track 2 or
  // before a field separator: the digits kept are still card data.
  /;\d[\d*]{7,}/,
  /\d{4,}\*{4,}\d{2,4}[=^]/,
  /\^[A-Za-z .'/-]{2,26}\^\d{4}/,
];

/** Luhn (ISO/IEC 7812-1 annex B). */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = Number(digits[i]) * (double ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return sum % 10 === 0;
}

/** GS1 General Specifications 7.9.1: weights 3,1,3,… from the digit left of the check digit. */
export function gs1CheckDigitValid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
  let sum = 0;
  for (let i = digits.length - 2, w = 3; i >= 0; i--, w = w === 3 ? 1 : 3) sum += Number(digits[i]) * w;
  return (10 - (sum % 10)) % 10 === Number(digits[digits.length - 1]);
}

function spanVerdict(digits: string): CardDataVerdict {
  if (digits.length < 12 || digits.length > 19 || !luhnValid(digits)) return 'none';
  if (digits.length >= 15) return 'card-data';
  return gs1CheckDigitValid(digits) ? 'ambiguous' : 'card-data';
}

/**
 * /\+[\s(]*$/.test(text.slice(0, end)), read backwards from `end`: the regex on the slice scanned
 * the whole prefix for every digit run, quadratic in a long string's runs (a customer QR's text has
 * dozens; the server scans every pushed sale).
 */
function followsPlus(text: string, end: number): boolean {
  let i = end - 1;
  while (i >= 0 && (text[i] === '(' || WHITESPACE.test(text[i]!))) i--;
  return i >= 0 && text[i] === '+';
}
const WHITESPACE = /^\s$/;

/**
 * Every run of digit groups joined by any run of separators (anything but a letter or a digit:
 * spaces, dots, slashes, underscores, tabs, NBSP…), as a card number may be written or typed
 * (`4111.1111.1111.1111`, `41 11 11 11 11 11 11 11`, `4111.11.11.1111.1111`), and within it every
 * span of whole groups of 12–19 digits: "Order 12 4111 1111 1111 1111" holds the card number though
 * the run is longer. A span that begins with 0, or follows `+` and has at most 15 digits, is a phone
 * number. A span that crosses a `weak` joint (a group of 1–2 digits, or a separator other
 * than one space or dash) counts from 13 digits, the shortest card number; dates and times were
 * taken out before (`apartDatesAndTimes`), so `05/12/2026 10:30:45` is not read as one number
 * (issue #16, eighth pass L-3).
 */
function* digitSpans(text: string): Generator<{ digits: string; whole: boolean; weak: boolean }> {
  for (const match of text.matchAll(/\d+(?:[^\p{L}\p{N}]+\d+)*/gu)) {
    // An international phone number: `+` and at most 15 digits (ITU-T E.164).
    const phone = followsPlus(text, match.index);
    const parts = match[0].split(/(\d+)/).filter((p) => p !== '');
    // parts alternate digit groups and separators.
    const groups = parts.filter((_, k) => k % 2 === 0);
    const weakJoint = groups.map((after, g) => {
      if (g === 0) return false;
      const sep = parts[2 * g - 1]!;
      const before = groups[g - 1]!;
      return !(sep === ' ' || sep === '-') || before.length < 3 || after.length < 3;
    });
    for (let i = 0; i < groups.length; i++) {
      // No card number begins with 0 (ISO/IEC 7812-1: no issuer has major industry identifier 0);
      // national phone numbers (08…, 06…) and zero-padded references do.
      if (groups[i]!.startsWith('0')) continue;
      let digits = '';
      let weak = false;
      for (let j = i; j < groups.length && digits.length + groups[j]!.length <= 19; j++) {
        digits += groups[j];
        if (j > i && weakJoint[j]) weak = true;
        if (digits.length >= (weak ? 13 : 12) && !(phone && i === 0 && digits.length <= 15))
          yield { digits, whole: match[0] === text && i === 0 && j === groups.length - 1, weak };
      }
    }
  }
}

const SEP = '[^\\p{L}\\p{N}]';
/** A time (10:30, 10:30:45) not part of a longer chain of colon-joined groups. */
const TIME = new RegExp(
  `(?<!\\d${SEP}*:${SEP}*)\\b([01]?\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d)?\\b(?!${SEP}*:)`,
  'gu',
);
/** A date (05/12/2026, 5.12.26, 2026-12-05) not part of a longer chain of groups joined the same way. */
const DATES = ['/', '.', '-'].flatMap((sep) => {
  const s = sep === '-' ? '-' : `\\${sep}`;
  const apart = (body: string) => new RegExp(`(?<!\\d\\s*${s}\\s*)\\b${body}\\b(?!\\s*${s}\\s*\\d)`, 'gu');
  return [
    { re: apart(`(\\d{1,2})${s}(\\d{1,2})${s}(\\d{4}|\\d{2})`), order: 'dmy' as const },
    { re: apart(`(\\d{4})${s}(\\d{1,2})${s}(\\d{1,2})`), order: 'ymd' as const },
  ];
});

function plausibleDate(order: 'dmy' | 'ymd', a: string, b: string, c: string): boolean {
  const [first, second, year] = order === 'dmy' ? [a, b, c] : [c, b, a];
  const [x, y] = [Number(first), Number(second)];
  const dayMonth = (x >= 1 && x <= 31 && y >= 1 && y <= 12) || (y >= 1 && y <= 31 && x >= 1 && x <= 12);
  return dayMonth && (year.length === 2 || /^(19|20)\d\d$/.test(year));
}

/**
 * Dates and times in the text, each set apart by letters so that its short groups are not joined
 * with the numbers around it into something Luhn-valid by chance.
 */
function apartDatesAndTimes(text: string): string {
  let out = text.replace(TIME, ' T ');
  for (const { re, order } of DATES)
    out = out.replace(re, (whole, a: string, b: string, c: string) =>
      plausibleDate(order, a, b, c) ? ' D ' : whole,
    );
  return out;
}

/**
 * Full-width digits and letters, and other compatibility forms, read as their ASCII selves (NFKC);
 * every other decimal digit (Arabic-Indic, Devanagari… `\p{Nd}`) as its ASCII digit; format
 * characters (zero-width space and joiners, soft hyphen, BOM) dropped: they show as nothing.
 */
function normalised(text: string): string {
  // ASCII is its own NFKC form, holds no format character and no digit but 0–9: most strings, and
  // the three replacements cost ~10 µs on a customer QR's 500 characters.
  if (isAscii(text)) return text;
  return text
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '')
    .replace(/\p{Nd}/gu, (d) => (d >= '0' && d <= '9' ? d : String(decimalValue(d))));
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

const digitValues = new Map<string, number>();
/** A decimal digit's value: Unicode puts each script's digits 0–9 in a row, so it counts back to 0. */
function decimalValue(d: string): number {
  const known = digitValues.get(d);
  if (known !== undefined) return known;
  const cp = d.codePointAt(0)!;
  let start = cp;
  while (start > 0 && /\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
  const value = (cp - start) % 10;
  digitValues.set(d, value);
  return value;
}

/**
 * A track typed by a reader that sends a US keyboard's keys into a French AZERTY layout: each digit
 * comes out as the character of its key unshifted (`&é"'(-è_çà` for 1234567890), `%` as `5`, `^`
 * as `6`, `/` as `!`, `;` as `m`. A run of 12+ of those characters is no French word, so it is read
 * back as digits where the rest of the track, or a Luhn-valid number, says it is one.
 */
const AZERTY_ROW = '&é"\'(-è_çà';
const ROW = `[${AZERTY_ROW.replace(/[-\\\]]/g, '\\$&')}]`;
const AZERTY_TRACKS: readonly RegExp[] = [
  new RegExp(`5B${ROW}{8}`, 'u'),
  new RegExp(`m${ROW}{8}`, 'u'),
  new RegExp(`${ROW}{12,19}[=6]`, 'u'),
  new RegExp(`6[A-Z :ù)!?]{2,26}6${ROW}{4}`, 'u'),
];
const AZERTY_RUN = new RegExp(`${ROW}{12,19}`, 'gu');
const fromAzerty = (run: string) => [...run].map((c) => String((AZERTY_ROW.indexOf(c) + 1) % 10)).join('');

function azertyCardData(text: string): boolean {
  if (AZERTY_TRACKS.some((p) => p.test(text))) return true;
  for (const [run] of text.matchAll(AZERTY_RUN)) {
    const digits = fromAzerty(run);
    if (luhnValid(digits) && !gs1CheckDigitValid(digits)) return true;
    if (luhnValid(digits) && digits.length >= 15) return true;
  }
  return false;
}

/** What a scanned or typed text is; `ambiguous` only when the whole text is a 12–14 digit number. */
export function classifyCardData(input: string): CardDataVerdict {
  // A UUID's last group may be 12 digits, Luhn-valid by chance; it is an id, never a card number.
  const text = normalised(input).replace(UUID, ' ').trim();
  if (TRACK_PATTERNS.some((p) => p.test(text)) || azertyCardData(text)) return 'card-data';
  let verdict: CardDataVerdict = 'none';
  for (const { digits, whole } of digitSpans(apartDatesAndTimes(text))) {
    const v = spanVerdict(digits);
    if (v === 'card-data' || (v === 'ambiguous' && !whole)) return 'card-data';
    if (v === 'ambiguous') verdict = v;
  }
  return verdict;
}

/**
 * A single pass that every text `classifyCardData` flags also passes, for callers that judge many
 * strings (the server runs it on every string of every pushed sale before the rule). Derived from
 * the rule above: every track pattern needs `%`, `;`, `^` or `=`; a card number needs 12 digits; an
 * AZERTY track needs 8 of the row's characters, or 4 after a `6…6` name and expiry.
 */
export function mayHoldCardData(input: string): boolean {
  const text = normalised(input);
  let digits = 0;
  let sixes = 0;
  let row = 0;
  for (const c of text) {
    if (c === '%' || c === ';' || c === '^' || c === '=') return true;
    if (c >= '0' && c <= '9') {
      if (++digits >= 12) return true;
      if (c === '6') sixes++;
    } else if (AZERTY_ROW.includes(c)) row++;
  }
  return row >= 8 || (row >= 4 && sixes >= 2);
}

/** Card data for certain, whatever the catalog holds. */
export function holdsCardData(text: string): boolean {
  return classifyCardData(text) === 'card-data';
}

/**
 * For text still being typed into a field (the till's search box fed by a keyboard-wedge reader):
 * a track has begun as soon as its start sentinel and first digit arrive, and a run of 15 digits is
 * longer than any product code the till looks up, so nothing more of either is kept or sent. A
 * shorter digit run is judged when it is whole (Enter): an EAN-13 being typed passes through 12
 * digits that may look like a card number.
 */
export function startsCardData(input: string): boolean {
  const text = normalised(input);
  if (/%B\d|;\d/.test(text) || TRACK_PATTERNS.some((p) => p.test(text)) || azertyCardData(text)) return true;
  for (const { digits } of digitSpans(apartDatesAndTimes(text))) if (digits.length >= 15) return true;
  return false;
}

/**
 * For lines that may hold what a device typed (logs, error texts): when a line holds card data,
 * every digit and the track 1 name are masked, the rest kept so the line still says what happened.
 */
export function redactCardData(text: string): string {
  if (classifyCardData(text) === 'none') return text;
  return text.replace(/\^[^^]*\^/g, '^…^').replace(/\d/g, '•');
}
