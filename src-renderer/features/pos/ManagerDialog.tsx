import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { SubmitOrCancel } from '../../components/SubmitOrCancel';
import { ModalDialog } from '../../components/ModalDialog';

export interface Override {
  managerId: string;
  pin: string;
  reason: string;
}

/**
 * A manager lifts a limit the policy lets a manager lift: their id, PIN and a reason; the caller
 * retries the capture with them and answers an error text when it is refused again.
 */
export function ManagerDialog({
  message,
  hint,
  onApprove,
  onCancel,
}: {
  message: string;
  /** What the manager approves, in words; a sale's when absent. */
  hint?: string;
  onApprove: (override: Override) => Promise<string | null>;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [managerId, setManagerId] = useState('');
  const [pin, setPin] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const refusal = await onApprove({ managerId: managerId.trim(), pin, reason: reason.trim() });
    if (refusal !== null) {
      setError(refusal);
      setPin('');
      setBusy(false);
    }
  };

  return (
    <ModalDialog labelledBy="manager-heading" onCancel={onCancel}>
      <form className="settings-form" onSubmit={(e) => void submit(e)}>
        <h2 id="manager-heading">{t('pos.managerHeading')}</h2>
        <p className="error-message">{message}</p>
        <p className="hint">{hint ?? t('pos.managerHint')}</p>
        <label>
          {t('pos.managerId')}
          <input
            value={managerId}
            onChange={(e) => setManagerId(e.target.value)}
            autoFocus
            autoComplete="off"
          />
        </label>
        <label>
          {t('pos.managerPin')}
          <input
            type="password"
            inputMode="numeric"
            value={pin}
            onChange={(e) => setPin(e.target.value.replace(/\D/g, ''))}
            autoComplete="off"
            maxLength={12}
          />
        </label>
        <label>
          {t('pos.managerReason')}
          <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
        </label>
        {error && (
          <p role="alert" className="error-message">
            {error}
          </p>
        )}
        <SubmitOrCancel
          label={t('pos.approve')}
          disabled={busy || !managerId.trim() || pin.length < 4 || !reason.trim()}
          onCancel={onCancel}
        />
      </form>
    </ModalDialog>
  );
}
