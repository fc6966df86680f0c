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
 * Every run of digit groups joined by one space or dash, or by any short run of other separators
 * (dots, repeated spaces, slashes…) between groups of 3+ digits, as card numbers are written
 * (`4111.1111.1111.1111`, `4111  1111 …`); and within it every span of whole groups of 12–19
 * digits: "Order 12 4111 1111 1111 1111" holds the card number though the run is longer. Dates and
 * times (`05/12/2026 10:30`) keep their short groups apart (issue #16, eighth pass L-3).
 */
function* digitSpans(text: string): Generator<{ digits: string; whole: boolean }> {
  for (const match of text.matchAll(/\d+(?:[^\p{L}\p{N}]{1,3}\d+)*/gu)) {
    const parts = match[0].split(/(\d+)/).filter((p) => p !== '');
    // parts alternate digits and separators; cut the run where a separator does not join.
    const runs: string[][] = [[parts[0]!]];
    for (let k = 1; k + 1 < parts.length; k += 2) {
      const [before, sep, after] = [parts[k - 1]!, parts[k]!, parts[k + 1]!];
      const joins = sep === ' ' || sep === '-' || (before.length >= 3 && after.length >= 3);
      if (joins) runs[runs.length - 1]!.push(after);
      else runs.push([after]);
    }
    for (const groups of runs) {
      const whole = runs.length === 1 && match[0] === text;
      for (let i = 0; i < groups.length; i++) {
        let digits = '';
        for (let j = i; j < groups.length && digits.length + (groups[j]?.length ?? 0) <= 19; j++) {
          digits += groups[j];
          if (digits.length >= 12) yield { digits, whole: whole && i === 0 && j === groups.length - 1 };
        }
      }
    }
  }
}

/** Full-width digits and letters, and other compatibility forms, read as their ASCII selves. */
const normalised = (text: string) => text.normalize('NFKC');

/** What a scanned or typed text is; `ambiguous` only when the whole text is a 12–14 digit number. */
export function classifyCardData(input: string): CardDataVerdict {
  // A UUID's last group may be 12 digits, Luhn-valid by chance; it is an id, never a card number.
  const text = normalised(input).replace(UUID, ' ').trim();
  if (TRACK_PATTERNS.some((p) => p.test(text))) return 'card-data';
  let verdict: CardDataVerdict = 'none';
  for (const { digits, whole } of digitSpans(text)) {
    const v = spanVerdict(digits);
    if (v === 'card-data' || (v === 'ambiguous' && !whole)) return 'card-data';
    if (v === 'ambiguous') verdict = v;
  }
  return verdict;
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
  if (/%B\d|;\d/.test(text) || TRACK_PATTERNS.some((p) => p.test(text))) return true;
  for (const { digits } of digitSpans(text)) if (digits.length >= 15) return true;
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
