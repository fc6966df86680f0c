import { useTranslation } from 'react-i18next';
import type { ZReport } from '../../../protocol/api';
import { useMoney } from './format';
import { ZReportPrint } from '../receipts/ZReportPrint';

export function ZReportView({ report }: { report: ZReport }) {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const c = report.currency;
  const when = (iso: string) => new Date(iso).toLocaleString(i18n.language);
  const countTotal = (x: { count: number; totalMinor: number }) =>
    t('pos.zCountTotal', { count: x.count, total: money(x.totalMinor, c) });
  return (
    <section className="receipt" aria-labelledby="z-heading" data-testid="z-report">
      <h2 id="z-heading">{t('pos.zReport')}</h2>
      <p>{t('pos.zPeriod', { from: when(report.openedAt), to: when(report.closedAt) })}</p>
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
      <dl className="totals">
        <dt>{t('pos.zFloat')}</dt>
        <dd>{money(report.floatMinor, c)}</dd>
        <dt>{t('pos.zExpected')}</dt>
        <dd data-testid="z-expected">{money(report.expectedCashMinor, c)}</dd>
        <dt>{t('pos.zCounted')}</dt>
        <dd data-testid="z-counted">{money(report.countedCashMinor, c)}</dd>
        <dt>{t('pos.zDifference')}</dt>
        <dd data-testid="z-difference" className={report.differenceMinor < 0 ? 'error-message' : undefined}>
          {money(report.differenceMinor, c)}
        </dd>
      </dl>
      <ZReportPrint shiftId={report.shiftId} />
    </section>
  );
}
