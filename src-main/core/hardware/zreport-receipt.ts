import type { RxCollection } from 'rxdb';
import { ZReport, type XReport } from '../../../protocol/api';
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
  return shiftReportReceipt(report, options, copy);
}

/**
 * The open shift's X-report on paper: the Z-report's layout under an "X REPORT - mid-shift" heading,
 * read at `report.at`, with nothing counted (the shift goes on).
 */
export function xReportReceipt(report: XReport, options: ReceiptContext): ReceiptInput {
  return shiftReportReceipt(report, options, 1);
}

/** One paper layout for both readings of a shift: the Z-report adds the closing time and the count. */
function shiftReportReceipt(report: ZReport | XReport, options: ReceiptContext, copy: number): ReceiptInput {
  const w = receiptWords(options.locale);
  const closed = 'closedAt' in report ? report : null;
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
      closed ? w.zReport : w.xReport,
      `${w.opened} ${receiptTime(report.openedAt, options)}`,
      closed
        ? `${w.closed} ${receiptTime(closed.closedAt, options)}`
        : `${w.read} ${receiptTime((report as XReport).at, options)}`,
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
      ...(closed
        ? [
            { label: w.counted, amount: closed.countedCashMinor },
            { label: w.difference, amount: closed.differenceMinor },
          ]
        : []),
    ],
    footer: [`${w.overrides}: ${report.overrides}`],
    cut: true,
  };
}
