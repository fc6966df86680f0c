import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, DeviceStatus } from '../../../protocol/api';
import { useApi } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';

type Busy = 'code' | 'laptop' | 'checkin' | null;

/** Enrolls this device: a terminal with an admin's one-time code, a laptop by its student signing in. */
export function EnrollmentPanel({ status }: { status: DeviceStatus }) {
  const { t } = useTranslation();
  const api = useApi();
  const [code, setCode] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<string>();

  const run = async (kind: Busy, action: () => Promise<unknown>) => {
    setBusy(kind);
    setError(undefined);
    try {
      await action();
      setPassword('');
    } catch (caught) {
      setError(errorText(t, caught as ApiError));
    } finally {
      setBusy(null);
    }
  };

  if (status.enrollment !== 'not_enrolled') {
    return (
      <div className="enrollment">
        <button
          type="button"
          disabled={busy !== null}
          onClick={() => void run('checkin', () => api.call('enrollment.checkIn', {}))}
        >
          {t('enrollment.checkIn')}
        </button>
        {error && (
          <p role="alert" className="error-message">
            {error}
          </p>
        )}
      </div>
    );
  }

  const submitCode = (event: FormEvent) => {
    event.preventDefault();
    void run('code', () => api.call('enrollment.redeemCode', { code }));
  };
  const submitLaptop = (event: FormEvent) => {
    event.preventDefault();
    void run('laptop', () => api.call('enrollment.registerLaptop', { email, password, name }));
  };

  return (
    <div className="enrollment">
      {error && (
        <p role="alert" className="error-message">
          {error}
        </p>
      )}
      <form className="settings-form" onSubmit={submitCode} aria-labelledby="enroll-terminal">
        <h3 id="enroll-terminal">{t('enrollment.terminalHeading')}</h3>
        {status.tillStopped && (
          <p role="status" className="error-message" data-testid="enrollment-data-lost">
            {t('enrollment.dataLost')}
          </p>
        )}
        <p className="hint">{t('enrollment.terminalHint')}</p>
        <label>
          {t('enrollment.code')}
          <input
            value={code}
            onChange={(e) => setCode(e.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
        </label>
        <button type="submit" disabled={busy !== null || code.trim().length < 8}>
          {busy === 'code' ? t('enrollment.working') : t('enrollment.enroll')}
        </button>
      </form>
      <form className="settings-form" onSubmit={submitLaptop} aria-labelledby="enroll-laptop">
        <h3 id="enroll-laptop">{t('enrollment.laptopHeading')}</h3>
        <label>
          {t('enrollment.email')}
          <input
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            autoComplete="username"
          />
        </label>
        <label>
          {t('enrollment.password')}
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
          />
        </label>
        <label>
          {t('enrollment.deviceName')}
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="submit" disabled={busy !== null || !email || !password || !name.trim()}>
          {busy === 'laptop' ? t('enrollment.working') : t('enrollment.register')}
        </button>
      </form>
    </div>
  );
}
