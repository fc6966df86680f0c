import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SaleSummary } from '../../../protocol/api';
import { useApi, useSubscription } from '../../api/hooks';
import { posErrorText, useMoney } from './format';

type Action = { kind: 'refund' | 'void'; sale: SaleSummary };

/** The terminal's last sales with where each stands, and refunds and voids of whole sales. */
export function RecentSales() {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const money = useMoney();
  const { value } = useSubscription('pos.sales.recent');
  const [action, setAction] = useState<Action | null>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const sales = value?.sales ?? [];
  const voided = new Set(sales.filter((s) => s.kind === 'void').map((s) => s.originalSaleId));

  const start = (next: Action) => {
    setAction(next);
    setReason('');
    setMessage(undefined);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!action) return;
    setBusy(true);
    setMessage(undefined);
    try {
      const input = { originalSaleId: action.sale.saleId, reason: reason.trim() };
      const done =
        action.kind === 'refund'
          ? await api.call('pos.sale.refund', input)
          : await api.call('pos.sale.void', input);
      setMessage({
        kind: 'ok',
        text:
          action.kind === 'refund'
            ? t('pos.refunded', { seq: done.seq, amount: money(done.totalMinor, done.currency) })
            : t('pos.voided', { seq: done.seq }),
      });
      setAction(null);
    } catch (caught) {
      setMessage({ kind: 'error', text: posErrorText(t, caught, money, action.sale.currency) });
    } finally {
      setBusy(false);
    }
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
      {action && (
        <form
          className="settings-form inline-form"
          aria-labelledby="action-heading"
          onSubmit={(e) => void submit(e)}
        >
          <h3 id="action-heading">
            {t(action.kind === 'refund' ? 'pos.refundOf' : 'pos.voidOf', { seq: action.sale.seq })}
          </h3>
          <label>
            {t('pos.reason')}
            <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} autoFocus />
          </label>
          <div className="row">
            <button type="submit" disabled={busy || !reason.trim()}>
              {t(action.kind === 'refund' ? 'pos.confirmRefund' : 'pos.confirmVoid')}
            </button>
            <button type="button" className="secondary" onClick={() => setAction(null)}>
              {t('pos.cancel')}
            </button>
          </div>
        </form>
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
                  {s.kind === 'sale' && !voided.has(s.saleId) && (
                    <div className="row">
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
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
