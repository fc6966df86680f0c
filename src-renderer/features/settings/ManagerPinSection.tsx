import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';
import { FormMessage } from '../../components/FormMessage';
import { toApiError } from '../pos/format';

const PIN = /^\d{4,12}$/;
const digits = (text: string) => text.replace(/\D/g, '').slice(0, 12);

/**
 * Sets a manager's PIN, the one the till's approval dialog asks for. The terminal's first manager
 * is set freely; after that an existing manager authorizes every change (the core enforces it, this
 * form only asks for the fields).
 */
export function ManagerPinSection() {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const [managerId, setManagerId] = useState('');
  const [pin, setPin] = useState('');
  const [confirm, setConfirm] = useState('');
  const [byId, setById] = useState('');
  const [byPin, setByPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();

  const mismatch = confirm !== '' && confirm !== pin;
  const authorizing = byId.trim() !== '' || byPin !== '';
  const ready =
    managerId.trim() !== '' &&
    PIN.test(pin) &&
    confirm === pin &&
    (!authorizing || (byId.trim() !== '' && PIN.test(byPin)));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!ready || busy) return;
    setBusy(true);
    setMessage(undefined);
    try {
      const { managerIds } = await api.call('pos.managerPin.set', {
        managerId: managerId.trim(),
        pin,
        ...(authorizing ? { authorizedBy: { managerId: byId.trim(), pin: byPin } } : {}),
      });
      setMessage({
        kind: 'ok',
        text: t('managerPins.saved', { manager: managerId.trim(), managers: managerIds.join(', ') }),
      });
      setManagerId('');
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
    <section aria-labelledby={`${ids}-heading`} data-testid="manager-pins">
      <h2 id={`${ids}-heading`}>{t('managerPins.heading')}</h2>
      <p className="hint">{t('managerPins.hint')}</p>
      <form className="settings-form" onSubmit={(e) => void submit(e)}>
        <ManagerIdField label={t('managerPins.managerId')} value={managerId} onChange={setManagerId} />
        <PinField
          label={t('managerPins.pin')}
          value={pin}
          onChange={setPin}
          autoComplete="new-password"
          describedBy={`${ids}-pin-hint`}
        />
        <p className="hint" id={`${ids}-pin-hint`}>
          {t('managerPins.pinHint')}
        </p>
        <PinField
          label={t('managerPins.confirm')}
          value={confirm}
          onChange={setConfirm}
          autoComplete="new-password"
          invalid={mismatch}
        />
        {mismatch && <p className="error-message">{t('managerPins.mismatch')}</p>}
        <fieldset>
          <legend>{t('managerPins.authorizedBy')}</legend>
          <p className="hint">{t('managerPins.authorizedByHint')}</p>
          <ManagerIdField label={t('managerPins.byId')} value={byId} onChange={setById} />
          <PinField label={t('managerPins.byPin')} value={byPin} onChange={setByPin} autoComplete="off" />
        </fieldset>
        <button type="submit" disabled={!ready || busy}>
          {t('managerPins.save')}
        </button>
        <FormMessage message={message} testId="manager-pin-message" />
      </form>
    </section>
  );
}

interface FieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
}

export function ManagerIdField({ label, value, onChange }: FieldProps) {
  return (
    <label>
      {label}
      <input value={value} onChange={(e) => onChange(e.target.value)} autoComplete="off" maxLength={128} />
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
