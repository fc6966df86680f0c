import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SaleSummary } from '../../../protocol/api';
import { useApi } from '../../api/hooks';
import { ActionFooter, useSaleAction } from './sale-action';
import { TYPED_TEXT_ATTRIBUTE } from '../hardware/useScanCapture';

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
  const [reason, setReason] = useState('');
  const { busy, error, run } = useSaleAction(onDone);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(() => api.call('pos.sale.void', { originalSaleId: sale.saleId, reason: reason.trim() }));
  };
  return (
    <form
      className="settings-form inline-form"
      aria-labelledby={`void-heading-${sale.saleId}`}
      onSubmit={submit}
    >
      <h3 id={`void-heading-${sale.saleId}`}>{t('pos.voidOf', { seq: sale.seq })}</h3>
      <label>
        {t('pos.reason')}
        <input
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={500}
          autoFocus
          {...{ [TYPED_TEXT_ATTRIBUTE]: '' }}
        />
      </label>
      <ActionFooter
        error={error}
        currency={sale.currency}
        confirm={t('pos.confirmVoid')}
        disabled={busy || !reason.trim()}
        onCancel={onCancel}
      />
    </form>
  );
}
