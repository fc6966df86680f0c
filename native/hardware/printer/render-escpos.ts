import { CP858_ESC_T, encodeCp858 } from './codepage';
import * as cmd from './escpos';
import type { PrintedElement } from './layout';

/** ESC/POS bytes for a laid-out receipt: styles are set explicitly on every line, never inherited. */
export function renderEscPos(elements: readonly PrintedElement[]): Buffer {
  const parts: Buffer[] = [cmd.initialize(), cmd.codePage(CP858_ESC_T)];
  for (const el of elements) {
    switch (el.kind) {
      case 'text':
        parts.push(
          cmd.align(el.align),
          cmd.bold(el.bold),
          cmd.underline(el.underline ? 1 : 0),
          cmd.size(el.double ? 2 : 1, el.double ? 2 : 1),
          encodeCp858(el.text),
          cmd.lineFeed(),
        );
        break;
      case 'qr':
        parts.push(cmd.align('center'), cmd.qrCode(Buffer.from(el.data, 'utf8')));
        break;
      case 'drawer':
        parts.push(cmd.drawerKick());
        break;
      case 'cut':
        parts.push(cmd.feedLines(3), cmd.cut());
        break;
    }
  }
  return Buffer.concat(parts);
}
