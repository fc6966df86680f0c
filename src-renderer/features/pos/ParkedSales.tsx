import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi, useSubscription } from '../../api/hooks';
import { cartTotals } from './cart';
import { formatTime, posErrorText, useMoney } from './format';
import { TYPED_TEXT_ATTRIBUTE } from '../hardware/useScanCapture';

/**
 * Park the sale in progress under an optional label, and recall a parked one (issue #18 item 2).
 * Parked sales live in the core's store: they survive a restart. Recalling while a cart is in
 * progress parks that cart in its place, so nothing is ever lost.
 */
export function ParkedSales({
  hasCart,
  currency,
  onDone,
}: {
  hasCart: boolean;
  currency: string;
  onDone: () => void;
}) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const money = useMoney();
  const ids = useId();
  const { value } = useSubscription('pos.cart.parked');
  const [label, setLabel] = useState('');
  const [error, setError] = useState<string>();
  const parked = value?.parked ?? [];

  const run = async (call: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await call();
      onDone();
    } catch (caught) {
      setError(posErrorText(t, caught, money, currency));
    }
  };
  const park = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = label.trim();
    void run(async () => {
      await api.call('pos.cart.park', trimmed ? { label: trimmed } : {});
      setLabel('');
    });
  };

  return (
    <section aria-labelledby={`${ids}-parked`} className="parked">
      <h2 id={`${ids}-parked`}>{t('pos.parked.title')}</h2>
      {hasCart && (
        <form className="row" onSubmit={park}>
          <label>
            {t('pos.parked.label')}
            <input
              value={label}
              maxLength={64}
              onChange={(e) => setLabel(e.target.value)}
              autoComplete="off"
              {...{ [TYPED_TEXT_ATTRIBUTE]: '' }}
            />
          </label>
          <button type="submit" className="secondary">
            {t('pos.parked.park')}
          </button>
        </form>
      )}
      {parked.length === 0 ? (
        <p className="empty">{t('pos.parked.none')}</p>
      ) : (
        <ul className="parked-list" data-testid="parked-sales">
          {parked.map((sale) => {
            const name = sale.label || t('pos.parked.at', { when: formatTime(sale.parkedAt, i18n.language) });
            return (
              <li key={sale.parkedId}>
                <span>{name}</span>
                <small>{t('pos.parked.lines', { count: sale.lines.length })}</small>
                <span className="num">{money(cartTotals(sale.lines).totalMinor, currency)}</span>
                <button
                  type="button"
                  aria-label={t('pos.parked.recallNamed', { name })}
                  onClick={() => void run(() => api.call('pos.cart.recall', { parkedId: sale.parkedId }))}
                >
                  {t('pos.parked.recall')}
                </button>
                <button
                  type="button"
                  className="secondary"
                  aria-label={t('pos.parked.discardNamed', { name })}
                  onClick={() => void run(() => api.call('pos.cart.discard', { parkedId: sale.parkedId }))}
                >
                  {t('pos.parked.discard')}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {error && (
        <p role="alert" className="error-message">
          {error}
        </p>
      )}
    </section>
  );
}
