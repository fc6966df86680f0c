import { useTranslation } from 'react-i18next';
import type { SaleRecord } from '../../../protocol/http/sales';
import { money, when } from './format';
import { Head } from './Head';

/** The money each tender took (or gave back), in words: "Cash 1 180 F CFA, Card …". */
export function paidBy(sale: SaleRecord, t: (key: string) => string, locale: string): string {
  return (['cash', 'card', 'qr'] as const)
    .filter((k) => sale[`${k}_minor`] > 0)
    .map((k) => `${t(`sales.tenders.${k}`)} ${money(sale[`${k}_minor`], sale.currency, locale)}`)
    .join(', ');
}

/** A table of sales: the Sales page's results and a bundle's sales on the Review page. */
export function SaleRows({ sales, caption }: { sales: readonly SaleRecord[]; caption: string }) {
  const { t, i18n } = useTranslation();
  return (
    <div className="scroll">
      <table>
        <caption>{caption}</caption>
        <Head
          cols={[
            t('sales.time'),
            t('ledger.till'),
            t('sales.cashier'),
            t('sales.kind'),
            t('sales.status'),
            { num: t('sales.total') },
            t('sales.paidBy'),
          ]}
        />
        <tbody>
          {sales.map((s) => (
            <tr key={`${s.device_id}/${s.sale_id}`} data-sale={s.sale_id}>
              <td>{when(s.created_at, i18n.language)}</td>
              <td>
                {s.device_id} <span className="muted">#{s.seq}</span>
              </td>
              <td>{s.cashier_id ?? t('sales.noCashier')}</td>
              <td>{t(`sales.kinds.${s.kind}`)}</td>
              <td>{t(`sales.states.${s.status}`)}</td>
              <td className="num">{money(s.total_minor, s.currency, i18n.language)}</td>
              <td>{paidBy(s, t, i18n.language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
