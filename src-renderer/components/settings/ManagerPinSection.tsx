import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';
import { toApiError } from '../../pos/format';

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
        <label>
          {t('managerPins.managerId')}
          <input
            value={managerId}
            onChange={(e) => setManagerId(e.target.value)}
            autoComplete="off"
            maxLength={128}
          />
        </label>
        <label>
          {t('managerPins.pin')}
          <input
            type="password"
            inputMode="numeric"
            value={pin}
            onChange={(e) => setPin(digits(e.target.value))}
            autoComplete="new-password"
            aria-describedby={`${ids}-pin-hint`}
          />
        </label>
        <p className="hint" id={`${ids}-pin-hint`}>
          {t('managerPins.pinHint')}
        </p>
        <label>
          {t('managerPins.confirm')}
          <input
            type="password"
            inputMode="numeric"
            value={confirm}
            onChange={(e) => setConfirm(digits(e.target.value))}
            autoComplete="new-password"
            aria-invalid={mismatch}
          />
        </label>
        {mismatch && <p className="error-message">{t('managerPins.mismatch')}</p>}
        <fieldset>
          <legend>{t('managerPins.authorizedBy')}</legend>
          <p className="hint">{t('managerPins.authorizedByHint')}</p>
          <label>
            {t('managerPins.byId')}
            <input
              value={byId}
              onChange={(e) => setById(e.target.value)}
              autoComplete="off"
              maxLength={128}
            />
          </label>
          <label>
            {t('managerPins.byPin')}
            <input
              type="password"
              inputMode="numeric"
              value={byPin}
              onChange={(e) => setByPin(digits(e.target.value))}
              autoComplete="off"
            />
          </label>
        </fieldset>
        <button type="submit" disabled={!ready || busy}>
          {t('managerPins.save')}
        </button>
        {message && (
          <p
            role={message.kind === 'error' ? 'alert' : 'status'}
            className={message.kind === 'error' ? 'error-message' : 'ok'}
            data-testid="manager-pin-message"
          >
            {message.text}
          </p>
        )}
      </form>
    </section>
  );
}
