import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';
import { ManagerIdField, NewPinFields } from '../settings/CashiersSection';
import { toApiError } from '../pos/format';
import { FormError } from './FormError';

const PIN = /^\d{4,12}$/;

/**
 * A fresh till (issue #18): no cashier account yet, so nothing could be attributed. Before the
 * shift opens, whoever sets the till up creates its first manager (ID, name, PIN twice); the core
 * takes that one account without a manager's approval. The till then asks for a PIN sign-in.
 */
export function FirstManager() {
  const { t } = useTranslation();
  const api = useApi();
  const [cashierId, setCashierId] = useState('');
  const [name, setName] = useState('');
  const [pin, setPin] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const ready = cashierId.trim() !== '' && name.trim() !== '' && PIN.test(pin) && confirm === pin;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.call('pos.cashier.set', {
        cashierId: cashierId.trim(),
        name: name.trim(),
        role: 'manager',
        pin,
      });
    } catch (caught) {
      setError(errorText(t, toApiError(caught)));
      setBusy(false);
    }
  };

  return (
    <form
      className="settings-form"
      aria-labelledby="first-manager"
      data-testid="first-manager"
      onSubmit={(e) => void submit(e)}
    >
      <h2 id="first-manager">{t('firstManager.heading')}</h2>
      <p className="hint">{t('firstManager.hint')}</p>
      <ManagerIdField label={t('cashiers.cashierId')} value={cashierId} onChange={setCashierId} autoFocus />
      <label>
        {t('cashiers.name')}
        <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" maxLength={100} />
      </label>
      <NewPinFields pin={pin} confirm={confirm} onPin={setPin} onConfirm={setConfirm} />
      <button type="submit" disabled={!ready || busy}>
        {t('firstManager.create')}
      </button>
      <FormError text={error} />
    </form>
  );
}
