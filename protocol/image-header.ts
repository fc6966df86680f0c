/**
 * A picture's type and size from its first bytes (issue #19, item 6), for the server that takes a
 * product's picture and the till that keeps it: PNG (IHDR), JPEG (the first SOF segment) and WebP
 * (VP8, VP8L or VP8X). Nothing else is looked at, so a file named .png that is not one, or a format
 * we do not take (GIF, SVG with its scripts, HEIC), is told apart before anything stores it.
 */
export type ImageHeader =
  | { ok: true; type: 'image/png' | 'image/jpeg' | 'image/webp'; width: number; height: number }
  /** `unsupported`: not one of the three; `invalid`: one of them by its signature, but cut or damaged. */
  | { ok: false; problem: 'unsupported' | 'invalid' };

const ascii = (b: Uint8Array, at: number, text: string) =>
  b.length >= at + text.length && [...text].every((c, i) => b[at + i] === c.charCodeAt(0));

const UNSUPPORTED = { ok: false, problem: 'unsupported' } as const;
const INVALID = { ok: false, problem: 'invalid' } as const;

function png(view: DataView, b: Uint8Array): ImageHeader {
  if (b.length < 24 || !ascii(b, 12, 'IHDR')) return INVALID;
  return { ok: true, type: 'image/png', width: view.getUint32(16), height: view.getUint32(20) };
}

/** Start-of-frame markers (C0-CF but DHT C4, JPG C8 and DAC CC) carry the frame's size. */
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpeg(view: DataView, b: Uint8Array): ImageHeader {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return INVALID;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return INVALID; // end or scan before any frame
    const length = view.getUint16(i + 2);
    if (length < 2) return INVALID;
    if (SOF.has(marker)) {
      if (i + 9 > b.length) return INVALID;
      return { ok: true, type: 'image/jpeg', height: view.getUint16(i + 5), width: view.getUint16(i + 7) };
    }
    i += 2 + length;
  }
  return INVALID;
}

function webp(view: DataView, b: Uint8Array): ImageHeader {
  const ok = (width: number, height: number): ImageHeader => ({
    ok: true,
    type: 'image/webp',
    width,
    height,
  });
  if (ascii(b, 12, 'VP8 ')) {
    if (b.length < 30 || b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return INVALID;
    return ok(view.getUint16(26, true) & 0x3fff, view.getUint16(28, true) & 0x3fff);
  }
  if (ascii(b, 12, 'VP8L')) {
    if (b.length < 25 || b[20] !== 0x2f) return INVALID;
    const [b0, b1, b2, b3] = [b[21]!, b[22]!, b[23]!, b[24]!];
    return ok(1 + (((b1 & 0x3f) << 8) | b0), 1 + (((b3 & 0x0f) << 10) | (b2 << 2) | ((b1 & 0xc0) >> 6)));
  }
  if (ascii(b, 12, 'VP8X')) {
    if (b.length < 30) return INVALID;
    const u24 = (at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
    return ok(1 + u24(24), 1 + u24(27));
  }
  return INVALID;
}

export function imageHeader(bytes: Uint8Array): ImageHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 8 && [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => bytes[i] === v))
    return png(view, bytes);
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return jpeg(view, bytes);
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return webp(view, bytes);
  return UNSUPPORTED;
}
