import { layoutReceipt } from './layout';
import { ReceiptSchema, type ReceiptInput } from './receipt';
import { renderEscPos } from './render-escpos';
import { renderSvg } from './render-svg';

/** One description, two renderings. Throws a ZodError on an invalid description. */
export function renderReceipt(input: ReceiptInput): { escpos: Buffer; svg: string } {
  const receipt = ReceiptSchema.parse(input);
  const elements = layoutReceipt(receipt);
  return { escpos: renderEscPos(elements), svg: renderSvg(elements, receipt.columns) };
}
