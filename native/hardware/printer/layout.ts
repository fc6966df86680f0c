import { decodeCp858, encodeCp858 } from './codepage';
import { formatAmount, type Receipt } from './receipt';

export type Align = 'left' | 'center' | 'right';

export interface TextLine {
  readonly kind: 'text';
  readonly text: string;
  readonly align: Align;
  readonly bold: boolean;
  readonly double: boolean;
  readonly underline: boolean;
}

/** What is on the paper, in order: the common ground of the ESC/POS encoder, preview and simulator. */
export type PrintedElement =
  | TextLine
  | { readonly kind: 'qr'; readonly data: string }
  | { readonly kind: 'cut' }
  | { readonly kind: 'drawer' };

// Text is passed through the printer's code page here, so the preview shows the '?' the paper will.
const text = (t: string, style: Partial<Omit<TextLine, 'kind' | 'text'>> = {}): TextLine => ({
  kind: 'text',
  text: decodeCp858(encodeCp858(t)),
  align: style.align ?? 'left',
  bold: style.bold ?? false,
  double: style.double ?? false,
  underline: style.underline ?? false,
});

/** Left text and right text on one line; the left side is cut, never the amount. */
function columns(left: string, right: string, width: number): string {
  const room = Math.max(0, width - right.length - 1);
  const l = left.length > room ? left.slice(0, room) : left;
  return `${l}${' '.repeat(Math.max(1, width - l.length - right.length))}${right}`;
}

/** A header line cut at spaces into lines of at most `width` (a word longer than that is cut). */
function wrap(line: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of line.split(' ')) {
    const next = current ? `${current} ${word}` : word;
    if (next.length <= width) current = next;
    else {
      if (current) lines.push(current);
      current = word;
      while (current.length > width) {
        lines.push(current.slice(0, width));
        current = current.slice(width);
      }
    }
  }
  return [...lines, current];
}

export function layoutReceipt(r: Receipt): PrintedElement[] {
  const out: PrintedElement[] = [];
  const w = r.columns;
  const money = (minor: number) => formatAmount(minor, r.currency, r.locale);
  r.header.forEach((line, i) => {
    // The first line prints double width: half as many characters fit.
    for (const part of wrap(line, i === 0 ? Math.floor(w / 2) : w))
      out.push(text(part, { align: 'center', bold: i === 0, double: i === 0 }));
  });
  out.push(text('-'.repeat(w)));
  for (const item of r.items) {
    const total = money(item.qty * item.unitPrice);
    out.push(text(columns(item.qty === 1 ? item.name : `${item.qty} x ${item.name}`, total, w)));
  }
  out.push(text('-'.repeat(w)));
  for (const t of r.totals) {
    const line = columns(t.label, money(t.amount), t.emphasis ? Math.floor(w / 2) : w);
    out.push(text(line, { bold: t.emphasis, double: t.emphasis }));
  }
  for (const t of r.tenders) out.push(text(columns(t.label, money(t.amount), w)));
  if (r.footer.length) out.push(text(''));
  r.footer.forEach((line) => out.push(text(line, { align: 'center' })));
  if (r.qr) out.push({ kind: 'qr', data: r.qr });
  if (r.openDrawer) out.push({ kind: 'drawer' });
  if (r.cut) out.push({ kind: 'cut' });
  return out;
}
