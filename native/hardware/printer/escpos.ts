/**
 * ESC/POS commands, byte for byte as Epson's "ESC/POS Command Reference" (TM series) defines them.
 * Each function returns the exact bytes; golden tests pin them.
 */
const ESC = 0x1b;
const GS = 0x1d;
const DLE = 0x10;
const EOT = 0x04;

const bytes = (...b: number[]): Buffer => Buffer.from(b);

/** ESC @ — initialise: clears the buffer and resets styles. */
export const initialize = (): Buffer => bytes(ESC, 0x40);
/** ESC E n — emphasised (bold) on/off. */
export const bold = (on: boolean): Buffer => bytes(ESC, 0x45, on ? 1 : 0);
/** ESC - n — underline: 0 off, 1 one dot, 2 two dots. */
export const underline = (dots: 0 | 1 | 2): Buffer => bytes(ESC, 0x2d, dots);
/** GS ! n — character size: bits 4–6 width multiplier - 1, bits 0–2 height multiplier - 1. */
export const size = (width: 1 | 2, height: 1 | 2): Buffer =>
  bytes(GS, 0x21, ((width - 1) << 4) | (height - 1));
/** ESC a n — justification of the line that follows: 0 left, 1 centre, 2 right. */
export const align = (a: 'left' | 'center' | 'right'): Buffer =>
  bytes(ESC, 0x61, a === 'left' ? 0 : a === 'center' ? 1 : 2);
/** ESC t n — character code table. */
export const codePage = (n: number): Buffer => bytes(ESC, 0x74, n);
export const lineFeed = (): Buffer => bytes(0x0a);
/** ESC d n — print and feed n lines. */
export const feedLines = (n: number): Buffer => bytes(ESC, 0x64, n);

/** GS V 66 n — feed to the cutting position plus n dots, then partial cut. */
export const cut = (feedDots = 3): Buffer => bytes(GS, 0x56, 0x42, feedDots);
/** ESC p m t1 t2 — drawer kick pulse on connector pin 2 (m = 0) or 5 (m = 1): on t1×2 ms, off t2×2 ms. */
export const drawerKick = (pin: 2 | 5 = 2, onMs = 50, offMs = 500): Buffer =>
  bytes(
    ESC,
    0x70,
    pin === 2 ? 0 : 1,
    Math.min(255, Math.round(onMs / 2)),
    Math.min(255, Math.round(offMs / 2)),
  );

/** DLE EOT n — real-time status: 1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor. */
export const statusQuery = (n: 1 | 2 | 3 | 4): Buffer => bytes(DLE, EOT, n);

export type QrErrorCorrection = 'L' | 'M' | 'Q' | 'H';
/** What receipts use: 6-dot modules, level M. The preview draws its QR code with the same two. */
export const QR_MODULE_DOTS = 6;
export const QR_ERROR_CORRECTION: QrErrorCorrection = 'M';

/**
 * GS ( k, QR Code (cn = 49): function 165 selects model 2, 167 module size, 169 error correction,
 * 180 stores the data, 181 prints it. pL pH count the bytes after themselves.
 */
export function qrCode(
  data: Buffer,
  options: { moduleSize?: number; errorCorrection?: QrErrorCorrection } = {},
): Buffer {
  const fn = (payload: number[] | Buffer): Buffer => {
    const len = payload.length;
    return Buffer.concat([bytes(GS, 0x28, 0x6b, len & 0xff, len >> 8), Buffer.from(payload)]);
  };
  const ec = { L: 48, M: 49, Q: 50, H: 51 }[options.errorCorrection ?? QR_ERROR_CORRECTION];
  return Buffer.concat([
    fn([0x31, 0x41, 0x32, 0x00]),
    fn([0x31, 0x43, options.moduleSize ?? QR_MODULE_DOTS]),
    fn([0x31, 0x45, ec]),
    fn(Buffer.concat([bytes(0x31, 0x50, 0x30), data])),
    fn([0x31, 0x51, 0x30]),
  ]);
}
