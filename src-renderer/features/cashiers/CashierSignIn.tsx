import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';
import { toApiError } from '../pos/format';
import { FormError } from './FormError';

/**
 * The locked till (issue #18): a cashier types their id and PIN, then Enter. Wrong PINs count
 * against the till's one lockout (the core's); the PIN box is emptied after each refusal.
 */
export function CashierSignIn() {
  const { t } = useTranslation();
  const api = useApi();
  const [cashierId, setCashierId] = useState('');
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy || !cashierId.trim() || pin.length < 4) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.call('pos.cashier.signIn', { cashierId: cashierId.trim(), pin });
    } catch (caught) {
      setError(errorText(t, toApiError(caught)));
      setPin('');
      setBusy(false);
    }
  };

  return (
    <form
      className="settings-form"
      aria-labelledby="cashier-sign-in"
      data-testid="cashier-sign-in"
      onSubmit={(e) => void submit(e)}
    >
      <h2 id="cashier-sign-in">{t('cashiers.signInHeading')}</h2>
      <p className="hint">{t('cashiers.signInHint')}</p>
      <label>
        {t('cashiers.cashierId')}
        <input
          value={cashierId}
          onChange={(e) => setCashierId(e.target.value)}
          autoComplete="off"
          autoFocus
          maxLength={64}
        />
      </label>
      <label>
        {t('cashiers.signInPin')}
        <input
          type="password"
          inputMode="numeric"
          value={pin}
          onChange={(e) => setPin(e.target.value.replace(/\D/g, '').slice(0, 12))}
          autoComplete="off"
        />
      </label>
      <button type="submit" disabled={busy || !cashierId.trim() || pin.length < 4}>
        {t('cashiers.signIn')}
      </button>
      <FormError text={error} />
    </form>
  );
}
