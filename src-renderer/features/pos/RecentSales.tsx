import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SaleSummary } from '../../../protocol/api';
import { useSubscription } from '../../api/hooks';
import { useMoney } from './format';
import { PrintedReceipt } from './PrintedReceipt';
import { fullyRefunded } from '../refunds/refunded';
import { RefundForm } from '../refunds/RefundForm';
import { VoidForm } from '../refunds/VoidForm';
import { ReprintButton } from '../refunds/ReprintButton';

type Action = { kind: 'refund' | 'void'; sale: SaleSummary };

/**
 * The terminal's last sales with where each stands: refunds by line and quantity (their receipt
 * prints), voids of whole sales, and a reprint of any receipt.
 */
export function RecentSales() {
  const { t, i18n } = useTranslation();
  const money = useMoney();
  const { value } = useSubscription('pos.sales.recent');
  const [action, setAction] = useState<Action | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const [refundPrinted, setRefundPrinted] = useState<string | null>(null);
  const sales = value?.sales ?? [];
  const voided = new Set(sales.filter((s) => s.kind === 'void').map((s) => s.originalSaleId));

  const refunded = (done: SaleSummary) => {
    setAction(null);
    setRefundPrinted(done.saleId);
    setMessage({
      kind: 'ok',
      text: t('pos.refunded', { seq: done.seq, amount: money(done.totalMinor, done.currency) }),
    });
  };
  const start = (next: Action) => {
    setAction(next);
    setRefundPrinted(null);
    setMessage(undefined);
  };
  return (
    <section aria-labelledby="recent-heading" className="recent">
      <h2 id="recent-heading">{t('pos.recent')}</h2>
      {message && (
        <p
          role={message.kind === 'error' ? 'alert' : 'status'}
          className={message.kind === 'error' ? 'error-message' : 'ok'}
        >
          {message.text}
        </p>
      )}
      {refundPrinted && (
        <section aria-label={t('receipts.refundReceipt')}>
          <PrintedReceipt saleId={refundPrinted} autoPrint />
        </section>
      )}
      {action?.kind === 'refund' && (
        <RefundForm sale={action.sale} onDone={refunded} onCancel={() => setAction(null)} />
      )}
      {action?.kind === 'void' && (
        <VoidForm
          sale={action.sale}
          onDone={(done) => {
            setAction(null);
            setMessage({ kind: 'ok', text: t('pos.voided', { seq: done.seq }) });
          }}
          onCancel={() => setAction(null)}
        />
      )}
      {sales.length === 0 ? (
        <p className="empty">{t('pos.recentEmpty')}</p>
      ) : (
        <table className="grid" data-testid="recent-sales">
          <thead>
            <tr>
              <th scope="col">{t('pos.number')}</th>
              <th scope="col">{t('pos.when')}</th>
              <th scope="col">{t('pos.kind')}</th>
              <th scope="col">{t('pos.lineTotal')}</th>
              <th scope="col">{t('pos.status')}</th>
              <th scope="col">{t('pos.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {sales.map((s) => (
              <tr key={s.saleId} data-testid={`sale-${s.seq}`}>
                <td className="num">{s.seq}</td>
                <td>{new Date(s.createdAt).toLocaleTimeString(i18n.language)}</td>
                <td>{t(`pos.kind_${s.kind}`)}</td>
                <td className="num">{money(s.totalMinor, s.currency)}</td>
                <td data-testid="sale-status" data-status={s.status} title={s.statusReason ?? undefined}>
                  {t(`saleStatus.${s.status}`)}
                </td>
                <td>
                  <div className="row">
                    <ReprintButton
                      sale={s}
                      onOutcome={(text, ok) => setMessage({ kind: ok ? 'ok' : 'error', text })}
                    />
                    {s.kind === 'sale' && !voided.has(s.saleId) && fullyRefunded(s, sales) && (
                      <span className="hint">{t('receipts.fullyRefunded')}</span>
                    )}
                    {s.kind === 'sale' && !voided.has(s.saleId) && !fullyRefunded(s, sales) && (
                      <>
                        <button
                          type="button"
                          className="secondary"
                          aria-label={t('pos.refundOf', { seq: s.seq })}
                          onClick={() => start({ kind: 'refund', sale: s })}
                        >
                          {t('pos.refund')}
                        </button>
                        <button
                          type="button"
                          className="secondary"
                          aria-label={t('pos.voidOf', { seq: s.seq })}
                          onClick={() => start({ kind: 'void', sale: s })}
                        >
                          {t('pos.void')}
                        </button>
                      </>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
