import { parseIdTechPacket } from './idtech';
import { failure, type SwipeFailure, type SwipeTracks } from './types';

/**
 * ID TECH secure readers (SecureMag, SecureHead, MiniMag II) in keyboard mode with encryption on
 * type the same "Enhanced" packet as in HID mode (`idtech.ts`), written out as text. ID TECH's
 * knowledge base, "How to change USB-KB mode data to look the same as USB-HID data?":
 *
 *   "The KB & HID Modes are very similar, with the exception that the Masked Card Data is in
 *    different formats. In KB mode, the Masked Card data is in ASCII format, and in HID Mode, it is
 *    in HEX. … First two Characters are always '02'. The next 4 characters are the length of
 *    <CardData> in Hex. … The last 6 characters are … the LRC … the Checksum … always '03'."
 *
 * and its conversion steps: the length is that of the binary card data, low byte first ("it must
 * be put in as F900 rather than 00F9"); LRC and checksum are over the binary card data. So a line
 *
 *   02 LLLL <fields 3–9 as hex> [<field 10 as hex>] <masked tracks as typed> <the rest as hex> LRC SUM 03
 *
 * (no spaces) is turned back into the binary packet and read by `parseIdTechPacket`: the masked
 * tracks give brand, last four and a shown expiry; the encrypted tracks, hashes, serial number and
 * KSN are converted only to check the packet's LRC and checksum, never read, and are zeroed with
 * the packet. "PrefixID and PostFixID are ignored on encrypted transaction unless the reader is a
 * keyboard reader" (SecureMag user manual 80096504-001, setting table): a keyboard reader may end
 * the line with Enter (its postamble) or send nothing after `03`; `idTechKeyboardLength` says where
 * the packet ends so the swipe is read without waiting for a key that may never come.
 */

const HEX_HEADER_BYTES = 10; // STX, length ×2, fields 3–9
const TRAILER_CHARS = 6;
const MAX_DATA = 1018; // the HID packet's limit (idtech.ts MAX_PACKET 1024) less STX, length, LRC, SUM, ETX

const nibble = (c: number | undefined): number => {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
};

/** The byte written as two hex characters at `at`, or -1. */
function hexByte(line: Uint8Array, at: number): number {
  const hi = nibble(line[at]);
  const lo = nibble(line[at + 1]);
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
}

/** True when the line starts as an ID TECH keyboard packet: "02" then hex. No clear track does. */
export function looksLikeIdTechKeyboard(line: Uint8Array): boolean {
  return line[0] === 0x30 && line[1] === 0x32 && (line.length < 3 || nibble(line[2]) >= 0);
}

interface Layout {
  /** Binary card data length (field 2). */
  readonly length: number;
  /** Characters of the hex header, including field 10 when present. */
  readonly headerChars: number;
  /** Masked characters typed as ASCII (the clear/masked tracks the packet says are sent). */
  readonly asciiChars: number;
}

function layout(line: Uint8Array): Layout | SwipeFailure | undefined {
  if (line.length < HEX_HEADER_BYTES * 2) return undefined;
  const header: number[] = [];
  for (let i = 0; i < HEX_HEADER_BYTES; i++) header.push(hexByte(line, i * 2));
  if (header.some((b) => b < 0)) return failure('BAD_REPORT', 'the ID TECH packet header is not hex');
  const [, lo = 0, hi = 0, , status = 0, l1 = 0, l2 = 0, l3 = 0, clear = 0] = header;
  const length = lo | (hi << 8);
  if (length < 7 || length > MAX_DATA) return failure('BAD_REPORT', 'ID TECH packet length out of range');
  let headerChars = HEX_HEADER_BYTES * 2;
  if (status & 0x40) {
    if (line.length < headerChars + 2) return undefined;
    const n = hexByte(line, headerChars);
    if (n < 0) return failure('BAD_REPORT', 'the ID TECH packet header is not hex');
    headerChars += 2 + 2 * n;
  }
  const asciiChars = [l1, l2, l3].reduce((sum, len, n) => sum + ((clear >> n) & 1 ? len : 0), 0);
  if (asciiChars > length - (headerChars / 2 - 3))
    return failure('BAD_REPORT', 'ID TECH track lengths exceed the packet');
  return { length, headerChars, asciiChars };
}

/**
 * How many characters the packet that `line` begins takes, once its header has been typed
 * (undefined before; a failure when the header is not an ID TECH packet's).
 */
export function idTechKeyboardLength(line: Uint8Array): number | SwipeFailure | undefined {
  const l = layout(line);
  return !l || 'ok' in l ? l : typedLength(l);
}

/** STX and length as 4 hex characters, the binary data as hex but for the masked tracks, trailer. */
const typedLength = (l: Layout): number => 6 + 2 * (l.length - l.asciiChars) + l.asciiChars + TRAILER_CHARS;

/**
 * One typed packet as tracks (views into a new buffer the caller zeroes: `owned`), or why not.
 * Anything typed after the packet's `03` (a postamble) is ignored.
 */
export function parseIdTechKeyboardLine(line: Uint8Array): {
  tracks: SwipeTracks | SwipeFailure;
  owned: Uint8Array;
} {
  const empty = new Uint8Array(0);
  const l = layout(line);
  if (!l) return { tracks: failure('BAD_REPORT', 'the ID TECH packet is cut short'), owned: empty };
  if ('ok' in l) return { tracks: l, owned: empty };
  const total = typedLength(l);
  if (line.length < total)
    return { tracks: failure('BAD_REPORT', 'the ID TECH packet is cut short'), owned: empty };
  const packet = new Uint8Array(3 + l.length + 3);
  let out = 0;
  let at = 0;
  const hexRun = (chars: number): boolean => {
    for (const end = at + chars; at < end; at += 2) {
      const b = hexByte(line, at);
      if (b < 0) return false;
      packet[out++] = b;
    }
    return true;
  };
  const ok = hexRun(l.headerChars);
  packet.set(line.subarray(at, at + l.asciiChars), out);
  out += l.asciiChars;
  at += l.asciiChars;
  if (!ok || !hexRun(total - at) || out !== packet.length) {
    packet.fill(0);
    return {
      tracks: failure('BAD_REPORT', 'the ID TECH packet holds a character that is not hex'),
      owned: empty,
    };
  }
  return { tracks: parseIdTechPacket(packet), owned: packet };
}
