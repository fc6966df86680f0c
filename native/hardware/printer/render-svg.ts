import QRCode from 'qrcode';
import { QR_ERROR_CORRECTION, QR_MODULE_DOTS } from './escpos';
import type { PrintedElement } from './layout';

const CHAR_W = 12;
const LINE_H = 24;
/** Blank modules around a QR code, as the standard asks (ISO/IEC 18004, quiet zone). */
const QR_QUIET = 4;
/** Monospace at 20 px is 12 px per character: 48 columns fill 576 px, an 80 mm head's dots. */
const FONT_SIZE = 20;

const escape = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A picture of the paper as SVG text. The on-screen preview draws the receipt description with it,
 * and the printer simulator draws what it decoded from ESC/POS bytes with it, so tests can compare
 * the two. The QR code is drawn module by module as the printer draws it from GS ( k (model 2, level
 * M, 6-dot modules: one dot is one pixel here), so the preview's code scans like the paper's.
 */
export function renderSvg(elements: readonly PrintedElement[], columns: number): string {
  const width = columns * CHAR_W;
  const body: string[] = [];
  let y = 0;
  for (const el of elements) {
    if (el.kind === 'text') {
      const h = el.double ? LINE_H * 2 : LINE_H;
      y += h;
      const x = el.align === 'left' ? 0 : el.align === 'center' ? width / 2 : width;
      const anchor = el.align === 'left' ? 'start' : el.align === 'center' ? 'middle' : 'end';
      const style = [
        el.bold ? ' font-weight="bold"' : '',
        el.underline ? ' text-decoration="underline"' : '',
        // Double width and height: twice the normal font size keeps a double character two columns wide.
        el.double ? ` font-size="${FONT_SIZE * 2}"` : '',
      ].join('');
      body.push(
        `<text x="${x}" y="${y - 6}" text-anchor="${anchor}"${style} xml:space="preserve">${escape(el.text)}</text>`,
      );
    } else if (el.kind === 'qr') {
      const { d, size } = qrPath(el.data, width / 2, y);
      body.push(`<g class="qr" data-payload="${escape(el.data)}"><path d="${d}" fill="black"/></g>`);
      y += size;
    } else if (el.kind === 'cut') {
      y += LINE_H;
      body.push(
        `<line class="cut" x1="0" y1="${y}" x2="${width}" y2="${y}" stroke="black" stroke-dasharray="6 4"/>`,
      );
    } else {
      body.push('<desc class="drawer">cash drawer opened</desc>');
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + LINE_H}" viewBox="0 0 ${width} ${y + LINE_H}" font-family="monospace" font-size="${FONT_SIZE}">` +
    body.join('') +
    '</svg>'
  );
}

/** The text lines of an SVG made by renderSvg, with entities decoded: what tests compare. */
export function svgTextLines(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) =>
    (m[1] ?? '')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&'),
  );
}

/**
 * The dark modules of the QR code for `data` as one SVG path of squares, centred on `cx` below `top`
 * with its quiet zone; `size` is the height it takes. The same encoder as the payment QR screen.
 */
export function qrPath(data: string, cx: number, top: number): { d: string; size: number } {
  const { modules } = QRCode.create(data, { errorCorrectionLevel: QR_ERROR_CORRECTION });
  const m = QR_MODULE_DOTS;
  const size = (modules.size + 2 * QR_QUIET) * m;
  const x0 = cx - (modules.size * m) / 2;
  const y0 = top + QR_QUIET * m;
  let d = '';
  for (let row = 0; row < modules.size; row++)
    for (let col = 0; col < modules.size; col++)
      if (modules.get(row, col)) d += `M${x0 + col * m} ${y0 + row * m}h${m}v${m}h-${m}z`;
  return { d, size };
}
