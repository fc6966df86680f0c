import type { RxCollection } from 'rxdb';
import { ZReport } from '../../../protocol/api';
import type { ReceiptInput } from '../../../native/hardware';
import type { ShiftDoc } from '../store/schemas/pos';
import { receiptTime, receiptWords, shopHeader, type ReceiptContext } from './sale-receipt';

/** The Z-report written when the shift closed, or null (no such shift, or still open). */
export async function findZReport(shifts: RxCollection<ShiftDoc>, shiftId: string): Promise<ZReport | null> {
  const doc = await shifts.findOne(shiftId).exec();
  const text = doc?.report;
  return text ? ZReport.parse(JSON.parse(text)) : null;
}

/** The closed shift's Z-report on paper: the same figures as the screen's, in the receipt's words. */
export function zReportReceipt(report: ZReport, options: ReceiptContext, copy = 1): ReceiptInput {
  const w = receiptWords(options.locale);
  const tenderWord = { cash: w.cash, card: w.card, qr: w.qr } as const;
  const counted = (label: string, x: { count: number; totalMinor: number }) => ({
    label: `${label} (${x.count})`,
    amount: x.totalMinor,
  });
  return {
    currency: report.currency,
    locale: options.locale,
    header: [
      ...shopHeader(options),
      w.zReport,
      `${w.opened} ${receiptTime(report.openedAt, options)}`,
      `${w.closed} ${receiptTime(report.closedAt, options)}`,
      ...(copy > 1 ? [w.copy] : []),
    ],
    items: [],
    totals: [
      counted(w.sales, report.sales),
      counted(w.refunds, report.refunds),
      counted(w.voids, report.voids),
      { label: w.netTax, amount: report.netTaxMinor },
      { label: w.net, amount: report.netMinor, emphasis: true },
      // Who sold what: each cashier's sales, then net cash, as on the screen's Z-report.
      ...report.cashiers.flatMap((c) => [
        counted(`${c.name ?? w.noCashier} ${w.sales}`, c.sales),
        { label: `${c.name ?? w.noCashier} ${w.cash}`, amount: c.cashNetMinor },
      ]),
    ],
    tenders: [
      ...report.tenders.flatMap((t) => [
        { label: `${tenderWord[t.type]} + (${t.count})`, amount: t.inMinor },
        { label: `${tenderWord[t.type]} -`, amount: -t.outMinor },
      ]),
      { label: w.float, amount: report.floatMinor },
      ...(report.paidInMinor > 0 ? [{ label: w.paidIn, amount: report.paidInMinor }] : []),
      ...(report.paidOutMinor > 0 ? [{ label: w.paidOut, amount: -report.paidOutMinor }] : []),
      { label: w.expected, amount: report.expectedCashMinor },
      { label: w.counted, amount: report.countedCashMinor },
      { label: w.difference, amount: report.differenceMinor },
    ],
    footer: [`${w.overrides}: ${report.overrides}`],
    cut: true,
  };
}
