import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SaleSummary } from '../../../protocol/api';
import { posErrorText, useMoney } from '../pos/format';

/** A refund or void being submitted: busy while the core records it, its refusal kept to show. */
export function useSaleAction(onDone: (recorded: SaleSummary) => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = async (record: () => Promise<SaleSummary>) => {
    setBusy(true);
    setError(undefined);
    try {
      onDone(await record());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

/** The refusal in words, then confirm and cancel: the foot of the refund and void forms. */
export function ActionFooter({
  error,
  currency,
  confirm,
  disabled,
  onCancel,
}: {
  error: unknown;
  currency: string;
  confirm: string;
  disabled: boolean;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const money = useMoney();
  return (
    <>
      {error !== undefined && (
        <p role="alert" className="error-message">
          {posErrorText(t, error, money, currency)}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={disabled}>
          {confirm}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('pos.cancel')}
        </button>
      </div>
    </>
  );
}
