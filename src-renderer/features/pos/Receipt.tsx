import { useTranslation } from 'react-i18next';
import type { SaleSummary } from '../../../protocol/api';
import { useMoney } from './format';
import { percentText } from './cart';
import { PrintedReceipt } from './PrintedReceipt';
import { VoidJustRecorded } from '../refunds/VoidJustRecorded';
import { TILL_KEYS } from './shortcuts';
import { useCashierNames } from '../cashiers/useCashierNames';

/** The core's answer, shown as the customer's receipt: what was recorded, not what the cart said. */
export function Receipt({
  sale,
  onNewSale,
  printable,
}: {
  sale: SaleSummary;
  onNewSale?: () => void;
  /** The till's fresh sale: show the printed receipt's preview and print it if a printer is chosen. */
  printable?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const named = useCashierNames();
  const c = sale.currency;
  return (
    <section className="receipt" aria-labelledby="receipt-heading" data-testid="receipt">
      <h2 id="receipt-heading">{t('pos.receipt')}</h2>
      <p data-testid="receipt-number">
        <strong>
          {t(`pos.receipt${sale.kind === 'sale' ? 'Sale' : sale.kind === 'refund' ? 'Refund' : 'Void'}`, {
            seq: sale.seq,
          })}
        </strong>
        {' · '}
        {new Date(sale.createdAt).toLocaleString(i18n.language)}
      </p>
      {sale.cashierId && (
        <p data-testid="receipt-cashier">{t('cashiers.servedBy', { name: named(sale.cashierId) })}</p>
      )}
      <p className={sale.online ? 'ok' : 'warn'} data-testid="receipt-mode" data-online={sale.online}>
        {t(sale.online ? 'pos.online' : 'pos.offline')}
      </p>
      <table className="grid">
        <thead>
          <tr>
            <th scope="col">{t('pos.item')}</th>
            <th scope="col">{t('pos.qty')}</th>
            <th scope="col">{t('pos.lineTotal')}</th>
          </tr>
        </thead>
        <tbody>
          {sale.lines.map((l) => (
            <tr key={l.sku}>
              <td>
                {l.name}
                <br />
                <small>
                  {money(l.unitPriceMinor, c)}
                  {l.taxRateBp !== null &&
                    ` · ${t('pos.taxRate', { rate: percentText(l.taxRateBp, i18n.language) })}`}
                  <br />
                  {`${t('pos.tax')} ${money(l.taxMinor, c)}`}
                  {l.discountMinor > 0 && ` · ${t('pos.discount')} ${money(l.discountMinor, c)}`}
                </small>
              </td>
              <td className="num">{l.qty}</td>
              <td className="num">{money(l.totalMinor, c)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="totals">
        <dt>{t('pos.tax')}</dt>
        <dd>{money(sale.taxMinor, c)}</dd>
        <dt>{t('pos.total')}</dt>
        <dd data-testid="receipt-total">{money(sale.totalMinor, c)}</dd>
        {sale.tenders.map((tender, i) => (
          <TenderRow key={i} tender={tender} currency={c} />
        ))}
        <dt>{t('pos.change')}</dt>
        <dd data-testid="receipt-change">{money(sale.changeMinor, c)}</dd>
      </dl>
      {sale.override && (
        <p className="hint">
          {t('pos.approvedBy', { manager: named(sale.override.managerId), reason: sale.override.reason })}
        </p>
      )}
      {printable && <PrintedReceipt saleId={sale.saleId} autoPrint />}
      {printable && sale.kind === 'sale' && <VoidJustRecorded sale={sale} />}
      {onNewSale && (
        <button type="button" aria-keyshortcuts={TILL_KEYS.newSale} onClick={onNewSale}>
          {t('pos.newSale')} <kbd>{TILL_KEYS.newSale}</kbd>
        </button>
      )}
    </section>
  );
}

function TenderRow({ tender, currency }: { tender: SaleSummary['tenders'][number]; currency: string }) {
  const { t } = useTranslation();
  const money = useMoney();
  const label =
    tender.type === 'cash'
      ? t('pos.tenderCash')
      : tender.type === 'card'
        ? t('pos.tenderCard', { brand: tender.brand ?? '', last4: tender.last4 ?? '' })
        : t('pos.tenderQr', { ref: tender.payerRef ?? '' });
  return (
    <>
      <dt>{label}</dt>
      <dd>{money(tender.amountMinor, currency)}</dd>
    </>
  );
}
