import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../api/hooks';
import { DrawerConfirmDialog } from '../cashiers/DrawerConfirmDialog';
import { useMoneyInput } from './use-money-input';
import { posErrorText, useMoney } from './format';

/** The float is typed in major units as people count it, and sent as exact minor units. */
export function OpenShiftForm({ currency }: { currency: string }) {
  const { t } = useTranslation();
  const api = useApi();
  const money = useMoney();
  const { parseMajor, amountInvalid } = useMoneyInput();
  const [float, setFloat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const floatMinor = parseMajor(float, currency);

  // The float is read back before the shift opens with it (#18).
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (floatMinor === null) {
      setError(amountInvalid(500000, currency));
      return;
    }
    setError(undefined);
    setConfirming(true);
  };

  const open = async (floatMinor: number) => {
    setConfirming(false);
    setBusy(true);
    setError(undefined);
    try {
      await api.call('pos.shift.open', { floatMinor });
    } catch (caught) {
      setError(posErrorText(t, caught, money, currency));
      setBusy(false);
    }
  };

  return (
    <form className="settings-form" aria-labelledby="open-shift" onSubmit={submit}>
      <h2 id="open-shift">{t('pos.openShiftHeading')}</h2>
      <p className="hint">{t('pos.openShiftHint')}</p>
      <label>
        {t('pos.float')} ({currency})
        <input
          value={float}
          onChange={(e) => setFloat(e.target.value)}
          inputMode="decimal"
          autoComplete="off"
          autoFocus
          aria-invalid={float !== '' && floatMinor === null}
        />
      </label>
      {floatMinor !== null && <p className="hint">{money(floatMinor, currency)}</p>}
      <button type="submit" disabled={busy || floatMinor === null}>
        {t('pos.openShift')}
      </button>
      {confirming && floatMinor !== null && (
        <DrawerConfirmDialog
          what={t('pos.float')}
          amount={money(floatMinor, currency)}
          onConfirm={() => void open(floatMinor)}
          onCancel={() => setConfirming(false)}
        />
      )}
      {error && (
        <p role="alert" className="error-message">
          {error}
        </p>
      )}
    </form>
  );
}
