import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SaleSummary } from '../../../protocol/api';
import { useApi } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';

/** Prints one more copy of a recorded sale's receipt, marked as a copy (pos.receipt.reprint). */
export function ReprintButton({
  sale,
  onOutcome,
}: {
  sale: SaleSummary;
  onOutcome: (text: string, ok: boolean) => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const [busy, setBusy] = useState(false);
  const reprint = () => {
    setBusy(true);
    api
      .call('pos.receipt.reprint', { saleId: sale.saleId })
      .then(
        (outcome) =>
          onOutcome(t(outcome.status === 'printed' ? 'hardware.printed' : 'hardware.alreadyPrinted'), true),
        (error: unknown) =>
          onOutcome(
            t('hardware.printFailed', {
              reason: error instanceof Error ? errorText(t, error) : String(error),
            }),
            false,
          ),
      )
      .finally(() => setBusy(false));
  };
  return (
    <button
      type="button"
      className="secondary"
      disabled={busy}
      aria-label={t('receipts.reprintOf', { seq: sale.seq })}
      onClick={reprint}
    >
      {t('receipts.reprint')}
    </button>
  );
}
