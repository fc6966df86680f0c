import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../api/hooks';
import { useMoneyInput } from '../pos/use-money-input';
import { posErrorText, useMoney } from '../pos/format';
import { DrawerConfirmDialog } from './DrawerConfirmDialog';
import { FormError } from './FormError';
import { TYPED_TEXT_ATTRIBUTE } from '../hardware/useScanCapture';

/** Paid-in or paid-out with its reason (issue #18): counted in the drawer's expected cash. */
export function DrawerMoveForm({ currency, onDone }: { currency: string; onDone: () => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const money = useMoney();
  const { parseMajor, amountInvalid } = useMoneyInput();
  const [direction, setDirection] = useState<'in' | 'out'>('in');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const amountMinor = parseMajor(amount, currency);

  // Enter or "Record" reads the movement back first; the dialog's "Yes" records it.
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (amountMinor === null || amountMinor < 1) {
      setError(amountInvalid(5000, currency));
      return;
    }
    setError(undefined);
    setConfirming(true);
  };

  const record = async (amountMinor: number) => {
    setConfirming(false);
    setBusy(true);
    setError(undefined);
    try {
      await api.call('pos.drawer.move', { direction, amountMinor, reason: reason.trim() });
      onDone();
    } catch (caught) {
      setError(posErrorText(t, caught, money, currency));
      setBusy(false);
    }
  };

  return (
    <form className="settings-form" aria-labelledby="drawer-move" onSubmit={submit}>
      <h2 id="drawer-move">{t('cashiers.drawerHeading')}</h2>
      <label>
        {t('cashiers.direction')}
        <select value={direction} onChange={(e) => setDirection(e.target.value as 'in' | 'out')} autoFocus>
          <option value="in">{t('cashiers.paidIn')}</option>
          <option value="out">{t('cashiers.paidOut')}</option>
        </select>
      </label>
      <label>
        {t('cashiers.amount')} ({currency})
        <input
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          inputMode="decimal"
          autoComplete="off"
          aria-invalid={amount !== '' && amountMinor === null}
        />
      </label>
      <label>
        {t('cashiers.reason')}
        <input
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={200}
          {...{ [TYPED_TEXT_ATTRIBUTE]: '' }}
        />
      </label>
      <button type="submit" disabled={busy || amountMinor === null || !reason.trim()}>
        {t('cashiers.record')}
      </button>
      <FormError text={error} />
      {confirming && amountMinor !== null && (
        <DrawerConfirmDialog
          what={t(direction === 'in' ? 'cashiers.paidIn' : 'cashiers.paidOut')}
          amount={money(amountMinor, currency)}
          reason={reason.trim()}
          onConfirm={() => void record(amountMinor)}
          onCancel={() => setConfirming(false)}
        />
      )}
    </form>
  );
}
