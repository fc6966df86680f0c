import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { SubmitOrCancel } from '../../components/SubmitOrCancel';
import type { ZReport } from '../../../protocol/api';
import { useApi } from '../../api/hooks';
import { posErrorText, useMoney } from './format';
import { useMoneyInput } from './use-money-input';

export function CloseShiftForm({
  currency,
  onClosed,
  onCancel,
}: {
  currency: string;
  onClosed: (report: ZReport) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const money = useMoney();
  const { parseMajor, amountInvalid } = useMoneyInput();
  const [counted, setCounted] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const countedMinor = parseMajor(counted, currency);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (countedMinor === null) {
      setError(amountInvalid(1_000_000, currency));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      onClosed(await api.call('pos.shift.close', { countedCashMinor: countedMinor }));
    } catch (caught) {
      setError(posErrorText(t, caught, money, currency));
      setBusy(false);
    }
  };

  return (
    <form
      className="settings-form inline-form"
      aria-labelledby="close-shift"
      onSubmit={(e) => void submit(e)}
    >
      <h2 id="close-shift">{t('pos.closeShiftHeading')}</h2>
      <label>
        {t('pos.countedCash')} ({currency})
        <input
          value={counted}
          onChange={(e) => setCounted(e.target.value)}
          inputMode="decimal"
          autoComplete="off"
          autoFocus
          aria-invalid={counted !== '' && countedMinor === null}
        />
      </label>
      {countedMinor !== null && <p className="hint">{money(countedMinor, currency)}</p>}
      {error && (
        <p role="alert" className="error-message">
          {error}
        </p>
      )}
      <SubmitOrCancel
        label={t('pos.confirmClose')}
        disabled={busy || countedMinor === null}
        onCancel={onCancel}
      />
    </form>
  );
}
