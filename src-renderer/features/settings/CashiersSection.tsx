import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';
import { FormMessage } from '../../components/FormMessage';
import { toApiError } from '../pos/format';

const PIN = /^\d{4,12}$/;
const digits = (text: string) => text.replace(/\D/g, '').slice(0, 12);

/**
 * Cashier accounts (issue #18): an id, a name, a role and a PIN. A manager is a cashier with the
 * manager role, whose PIN the till's approval dialog asks for. The terminal's first account is a
 * manager, set freely; after that a manager authorizes every change (the core enforces it, this
 * form only asks for the fields).
 */
export function CashiersSection() {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const [cashierId, setCashierId] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<'cashier' | 'manager'>('manager');
  const [pin, setPin] = useState('');
  const [confirm, setConfirm] = useState('');
  const [byId, setById] = useState('');
  const [byPin, setByPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();

  const authorizing = byId.trim() !== '' || byPin !== '';
  const ready =
    cashierId.trim() !== '' &&
    name.trim() !== '' &&
    PIN.test(pin) &&
    confirm === pin &&
    (!authorizing || (byId.trim() !== '' && PIN.test(byPin)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready || busy) return;
    setBusy(true);
    setMessage(undefined);
    try {
      const { cashiers } = await api.call('pos.cashier.set', {
        cashierId: cashierId.trim(),
        name: name.trim(),
        role,
        pin,
        ...(authorizing ? { authorizedBy: { managerId: byId.trim(), pin: byPin } } : {}),
      });
      setMessage({
        kind: 'ok',
        text: t('cashiers.saved', {
          name: name.trim(),
          cashiers: cashiers.map((c) => `${c.name} (${t(`cashiers.role_${c.role}`)})`).join(', '),
        }),
      });
      setCashierId('');
      setName('');
      setRole('cashier');
      setPin('');
      setConfirm('');
      setById('');
      setByPin('');
    } catch (caught) {
      setMessage({ kind: 'error', text: errorText(t, toApiError(caught)) });
      setByPin('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby={`${ids}-heading`} data-testid="cashiers">
      <h2 id={`${ids}-heading`}>{t('cashiers.heading')}</h2>
      <p className="hint">{t('cashiers.hint')}</p>
      <form className="settings-form" onSubmit={(e) => void submit(e)}>
        <ManagerIdField label={t('cashiers.cashierId')} value={cashierId} onChange={setCashierId} />
        <label>
          {t('cashiers.name')}
          <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" maxLength={100} />
        </label>
        <label>
          {t('cashiers.role')}
          <select value={role} onChange={(e) => setRole(e.target.value as 'cashier' | 'manager')}>
            <option value="cashier">{t('cashiers.role_cashier')}</option>
            <option value="manager">{t('cashiers.role_manager')}</option>
          </select>
        </label>
        <NewPinFields pin={pin} confirm={confirm} onPin={setPin} onConfirm={setConfirm} />
        <fieldset>
          <legend>{t('cashiers.authorizedBy')}</legend>
          <p className="hint">{t('cashiers.authorizedByHint')}</p>
          <ManagerIdField label={t('cashiers.byId')} value={byId} onChange={setById} />
          <PinField label={t('cashiers.byPin')} value={byPin} onChange={setByPin} autoComplete="off" />
        </fieldset>
        <button type="submit" disabled={!ready || busy}>
          {t('cashiers.save')}
        </button>
        <FormMessage message={message} testId="cashier-message" />
      </form>
    </section>
  );
}

/** A new PIN, typed twice: the hint under the first, the mismatch under the second. */
export function NewPinFields({
  pin,
  confirm,
  onPin,
  onConfirm,
}: {
  pin: string;
  confirm: string;
  onPin: (pin: string) => void;
  onConfirm: (pin: string) => void;
}) {
  const { t } = useTranslation();
  const hint = useId();
  const mismatch = confirm !== '' && confirm !== pin;
  return (
    <>
      <PinField
        label={t('cashiers.pin')}
        value={pin}
        onChange={onPin}
        autoComplete="new-password"
        describedBy={hint}
      />
      <p className="hint" id={hint}>
        {t('cashiers.pinHint')}
      </p>
      <PinField
        label={t('cashiers.confirm')}
        value={confirm}
        onChange={onConfirm}
        autoComplete="new-password"
        invalid={mismatch}
      />
      {mismatch && <p className="error-message">{t('cashiers.mismatch')}</p>}
    </>
  );
}

interface FieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
}

export function ManagerIdField({ label, value, onChange, autoFocus }: FieldProps & { autoFocus?: boolean }) {
  return (
    <label>
      {label}
      <input
        value={value}
        onChange={(e) => onChange(e.target.value)}
        autoComplete="off"
        maxLength={128}
        autoFocus={autoFocus}
      />
    </label>
  );
}

/** A PIN box: digits only, never echoed, never offered to a password manager as a login. */
export function PinField({
  label,
  value,
  onChange,
  autoComplete,
  describedBy,
  invalid,
}: FieldProps & { autoComplete: 'new-password' | 'off'; describedBy?: string; invalid?: boolean }) {
  return (
    <label>
      {label}
      <input
        type="password"
        inputMode="numeric"
        value={value}
        onChange={(e) => onChange(digits(e.target.value))}
        autoComplete={autoComplete}
        aria-describedby={describedBy}
        aria-invalid={invalid}
      />
    </label>
  );
}
