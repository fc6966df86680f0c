import { useTranslation } from 'react-i18next';
import type { XReport, ZReport } from '../../../protocol/api';
import { useMoney } from './format';
import { XReportPrint, ZReportPrint } from '../receipts/ZReportPrint';

/** The Z-report at closing, or the X-report mid-shift (no closing time, nothing counted yet). */
export function ZReportView({ report }: { report: ZReport | XReport }) {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const c = report.currency;
  const when = (iso: string) => new Date(iso).toLocaleString(i18n.language);
  const countTotal = (x: { count: number; totalMinor: number }) =>
    t('pos.zCountTotal', { count: x.count, total: money(x.totalMinor, c) });
  return (
    <section
      className="receipt"
      aria-labelledby="z-heading"
      data-testid={'at' in report ? 'x-report' : 'z-report'}
    >
      <h2 id="z-heading">{'at' in report ? t('cashiers.xReportHeading') : t('pos.zReport')}</h2>
      <p>
        {'at' in report
          ? t('cashiers.xAt', { from: when(report.openedAt), at: when(report.at) })
          : t('pos.zPeriod', { from: when(report.openedAt), to: when(report.closedAt) })}
      </p>
      <dl className="totals">
        <dt>{t('pos.zSales')}</dt>
        <dd>{countTotal(report.sales)}</dd>
        <dt>{t('pos.zRefunds')}</dt>
        <dd>{countTotal(report.refunds)}</dd>
        <dt>{t('pos.zVoids')}</dt>
        <dd>{countTotal(report.voids)}</dd>
        <dt>{t('pos.zNet')}</dt>
        <dd>{money(report.netMinor, c)}</dd>
        <dt>{t('pos.zNetTax')}</dt>
        <dd>{money(report.netTaxMinor, c)}</dd>
        <dt>{t('pos.zOverrides')}</dt>
        <dd>{report.overrides}</dd>
      </dl>
      <table className="grid">
        <thead>
          <tr>
            <th scope="col">{t('pos.zTender')}</th>
            <th scope="col">{t('pos.zCount')}</th>
            <th scope="col">{t('pos.zIn')}</th>
            <th scope="col">{t('pos.zOut')}</th>
          </tr>
        </thead>
        <tbody>
          {report.tenders.map((row) => (
            <tr key={row.type}>
              <th scope="row">{t(`pos.tenderType_${row.type}`)}</th>
              <td className="num">{row.count}</td>
              <td className="num">{money(row.inMinor, c)}</td>
              <td className="num">{money(row.outMinor, c)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <CashierTable report={report} />
      <dl className="totals">
        <dt>{t('pos.zFloat')}</dt>
        <dd>{money(report.floatMinor, c)}</dd>
        <dt>{t('cashiers.paidIn')}</dt>
        <dd data-testid="z-paid-in">{money(report.paidInMinor, c)}</dd>
        <dt>{t('cashiers.paidOut')}</dt>
        <dd data-testid="z-paid-out">{money(report.paidOutMinor, c)}</dd>
        <dt>{t('pos.zExpected')}</dt>
        <dd data-testid="z-expected">{money(report.expectedCashMinor, c)}</dd>
        {'countedCashMinor' in report && (
          <>
            <dt>{t('pos.zCounted')}</dt>
            <dd data-testid="z-counted">{money(report.countedCashMinor, c)}</dd>
            <dt>{t('pos.zDifference')}</dt>
            <dd
              data-testid="z-difference"
              className={report.differenceMinor < 0 ? 'error-message' : undefined}
            >
              {money(report.differenceMinor, c)}
            </dd>
          </>
        )}
      </dl>
      {'at' in report ? <XReportPrint /> : <ZReportPrint shiftId={report.shiftId} />}
    </section>
  );
}

/** Each cashier's sales, refunds and voids, and the cash they kept (issue #18). */
function CashierTable({ report }: { report: ZReport | XReport }) {
  const { t } = useTranslation();
  const money = useMoney();
  const c = report.currency;
  if (report.cashiers.length === 0) return null;
  const countTotal = (x: { count: number; totalMinor: number }) =>
    t('pos.zCountTotal', { count: x.count, total: money(x.totalMinor, c) });
  return (
    <table className="grid" data-testid="z-cashiers">
      <caption>{t('cashiers.byCashier')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('cashiers.cashier')}</th>
          <th scope="col">{t('pos.zSales')}</th>
          <th scope="col">{t('pos.zRefunds')}</th>
          <th scope="col">{t('pos.zVoids')}</th>
          <th scope="col">{t('cashiers.cashNet')}</th>
        </tr>
      </thead>
      <tbody>
        {report.cashiers.map((row) => (
          <tr key={row.cashierId ?? ''} data-testid={`z-cashier-${row.cashierId ?? 'none'}`}>
            <th scope="row">{row.name ?? row.cashierId ?? t('cashiers.noCashier')}</th>
            <td className="num">{countTotal(row.sales)}</td>
            <td className="num">{countTotal(row.refunds)}</td>
            <td className="num">{countTotal(row.voids)}</td>
            <td className="num">{money(row.cashNetMinor, c)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
