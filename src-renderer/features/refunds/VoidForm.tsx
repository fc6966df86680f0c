import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SaleSummary } from '../../../protocol/api';
import { useApi } from '../../api/hooks';
import { posErrorText, useMoney } from '../pos/format';

/** Voids a whole sale of this shift with a reason (pos.sale.void); the core refuses what it must. */
export function VoidForm({
  sale,
  onDone,
  onCancel,
}: {
  sale: SaleSummary;
  onDone: (voided: SaleSummary) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const money = useMoney();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onDone(await api.call('pos.sale.void', { originalSaleId: sale.saleId, reason: reason.trim() }));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="settings-form inline-form"
      aria-labelledby={`void-heading-${sale.saleId}`}
      onSubmit={(e) => void submit(e)}
    >
      <h3 id={`void-heading-${sale.saleId}`}>{t('pos.voidOf', { seq: sale.seq })}</h3>
      <label>
        {t('pos.reason')}
        <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} autoFocus />
      </label>
      {error !== undefined && (
        <p role="alert" className="error-message">
          {posErrorText(t, error, money, sale.currency)}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={busy || !reason.trim()}>
          {t('pos.confirmVoid')}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('pos.cancel')}
        </button>
      </div>
    </form>
  );
}
