/**
 * Compact, order-preserving BLOB form of RxDB's index strings (issue #21).
 *
 * RxDB orders an index by its indexable string under JS `<` (UTF-16 code units, a prefix first).
 * Those strings are mostly padding and digits: string fields padded with spaces to their
 * maxLength, numbers as fixed-width digit strings, open bounds as runs of U+0000 or U+FFFF.
 * `encodeIndexString` maps the whole string to bytes whose memcmp order (SQLite's BLOB order, a
 * prefix first) is exactly the strings' JS order. It encodes the string, not field by field, so
 * every quirk of RxDB's strings keeps its order: a value longer than its maxLength shifting the
 * next fields, the digits of an out-of-range number, control characters below the space padding.
 *
 * The string is read as tokens, each ordered first by its first unit:
 * - A run of k spaces, U+0000 or U+FFFF (padding) is the unit once plus a descriptor. Against the
 *   same unit repeated j > k times, the shorter run is the greater string when the unit after it
 *   is higher and the smaller when it is lower or the string ends, so the runs of one unit order
 *   L1 < L2 < ... < H2 < H1 (L: a lower unit or the end follows; H: a higher one). Written as
 *   L1 = 01, Lk = 02 k, Hk = 03 (255 - k), H1 = nothing (k >= 255: 02 FF k16, 03 00 (FFFF - k)16);
 *   every token's first byte is >= 04, so a descriptor sorts below what follows.
 * - A digit and what follows it: two digits are one byte; a digit followed by a unit below '0'
 *   (or the end) sorts below every pair of that digit, one followed by a unit above '9' above
 *   them, and that unit is then its own token. 12 bytes per digit: numbers take half the bytes.
 * - Any other unit: 0x0000..0x002F and 0x003A..0x007E in one byte, up to 0x0E7E in two, the
 *   rest in three.
 */
const L1 = 0x01;
const LK = 0x02;
const HK = 0x03;
const ZERO = 0x30;
const NINE = 0x39;
const DIGITS_AT = 0x34;
const UPPER_AT = 0xac;
const TWO_BYTE_AT = 0xf1;
const TWO_BYTE_FROM = 0x7f;
const TWO_BYTE_TO = TWO_BYTE_FROM + 14 * 256;
const MAX_RUN = 0xfffe;

let scratch = Buffer.allocUnsafe(1024);

function isPadding(unit: number): boolean {
  return unit === 0x20 || unit === 0 || unit === 0xffff;
}

/** Bytes `encodeInto` may write for a string of this length: 3 per unit plus 4 per run. */
const maxEncodedLength = (length: number) => length * 7;

export function encodeIndexString(value: string): Buffer {
  if (scratch.length < maxEncodedLength(value.length)) {
    scratch = Buffer.allocUnsafe(maxEncodedLength(value.length));
  }
  return Buffer.from(scratch.subarray(0, encodeInto(value, scratch, 0)));
}

/**
 * Keys for statements that bind them at once (SQLite copies a bound BLOB): each `encode` writes
 * into one shared buffer and returns a view of it, with no allocation or copy of its own. A view is
 * valid until `reset` lets the next keys overwrite it; growing the buffer leaves earlier views on
 * the old one, still whole.
 */
export class KeyScratch {
  private buf = Buffer.allocUnsafe(4096);
  private at = 0;

  reset(): void {
    this.at = 0;
  }

  encode(value: string): Buffer {
    const need = maxEncodedLength(value.length);
    if (this.buf.length - this.at < need) {
      this.buf = Buffer.allocUnsafe(Math.max(4096, need * 2));
      this.at = 0;
    }
    const start = this.at;
    this.at = encodeInto(value, this.buf, start);
    return this.buf.subarray(start, this.at);
  }
}

/** Writes `value`'s key into `out` from `at` (room for maxEncodedLength checked by the caller). */
function encodeInto(value: string, out: Buffer, from: number): number {
  const length = value.length;
  let at = from;
  let i = 0;
  while (i < length) {
    const unit = value.charCodeAt(i);
    if (unit >= ZERO && unit <= NINE) {
      const next = i + 1 < length ? value.charCodeAt(i + 1) : -1;
      const base = DIGITS_AT + (unit - ZERO) * 12;
      if (next >= ZERO && next <= NINE) {
        out[at++] = base + 1 + next - ZERO;
        i += 2;
      } else {
        out[at++] = next > NINE ? base + 11 : base;
        i++;
      }
      continue;
    }
    if (unit < ZERO) out[at++] = unit + 4;
    else if (unit < TWO_BYTE_FROM) out[at++] = UPPER_AT + unit - 0x3a;
    else if (unit < TWO_BYTE_TO) {
      const v = unit - TWO_BYTE_FROM;
      out[at++] = TWO_BYTE_AT + (v >> 8);
      out[at++] = v & 0xff;
    } else {
      out[at++] = 0xff;
      out[at++] = unit >> 8;
      out[at++] = unit & 0xff;
    }
    if (!isPadding(unit)) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < length && value.charCodeAt(end) === unit) end++;
    const run = end - i;
    if (run > MAX_RUN) throw new RangeError(`index string has a run of ${run} equal units`);
    if (end < length && value.charCodeAt(end) > unit) {
      if (run >= 255) {
        const v = 0xffff - run;
        out[at++] = HK;
        out[at++] = 0;
        out[at++] = v >> 8;
        out[at++] = v & 0xff;
      } else if (run > 1) {
        out[at++] = HK;
        out[at++] = 255 - run;
      }
    } else if (run === 1) out[at++] = L1;
    else if (run >= 255) {
      out[at++] = LK;
      out[at++] = 0xff;
      out[at++] = run >> 8;
      out[at++] = run & 0xff;
    } else {
      out[at++] = LK;
      out[at++] = run;
    }
    i = end;
  }
  return at;
}

/**
 * The string a TEXT index column of the first layout held for RxDB's string: units >= U+D800 had
 * been moved to U+10000.. so that SQLite's UTF-8 order matched JS order. Undone before encoding.
 */
export function fromSortableText(value: string): string {
  if (!/[\u{10000}-\u{127FF}]/u.test(value)) return value;
  let out = '';
  for (const char of value) {
    const point = char.codePointAt(0)!;
    out += point >= 0x10000 && point <= 0x127ff ? String.fromCharCode(0xd800 + point - 0x10000) : char;
  }
  return out;
}
