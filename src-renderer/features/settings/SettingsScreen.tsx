import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { formatMoney, minorUnitExponent } from '../../../protocol/money';
import type { Settings } from '../../../protocol/api';
import { useApi, useSubscription } from '../../api/hooks';
import { FormMessage } from '../../components/FormMessage';
import { EnrollmentPanel } from '../device/EnrollmentPanel';
import { CashiersSection } from './CashiersSection';
import { QuickKeysSection } from '../pos/QuickKeysSection';
import { HardwareSection } from '../hardware/HardwareSection';
import { errorText } from '../../i18n/error-text';

export function SettingsScreen() {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const { value: status } = useSubscription('device.status');
  const { value: settings } = useSubscription('settings.changes');
  // Only the fields the user touched are kept, so live changes to the others still show through.
  const [edits, setEdits] = useState<Partial<Settings>>({});
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>();
  const draft = settings && { ...settings, ...edits };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!draft) return;
    try {
      await api.call('settings.update', edits);
      setEdits({});
      setMessage({ kind: 'ok', text: t('settings.saved') });
    } catch (error) {
      // A refusal with its own code (SERVER_URL_NOT_HTTPS) reads in the user's language; a schema
      // refusal (INVALID_INPUT) keeps the core's message, which names the field.
      const coded = error instanceof Error && 'code' in error && error.code !== 'INVALID_INPUT';
      setMessage({
        kind: 'error',
        text: coded ? errorText(t, error) : error instanceof Error ? error.message : String(error),
      });
    }
  };
  const field = <K extends keyof Settings>(key: K) => ({
    value: draft?.[key] ?? '',
    onChange: (event: { target: { value: string } }) =>
      setEdits((e) => ({ ...e, [key]: event.target.value })),
  });
  const example =
    draft && /^[A-Z]{3}$/.test(draft.currency) ? safeExample(draft.currency, i18n.language) : '';

  return (
    <section className="screen">
      <h1>{t('settings.heading')}</h1>
      <h2>{t('settings.device')}</h2>
      <dl className="facts" data-testid="device-facts">
        <dt>{t('settings.deviceId')}</dt>
        <dd data-testid="device-id">{status?.deviceId ?? t('settings.none')}</dd>
        <dt>{t('settings.fingerprint')}</dt>
        <dd>{status?.fingerprint ?? '…'}</dd>
        <dt>{t('settings.enrollment')}</dt>
        <dd>
          {status
            ? t(status.enrollment === 'not_enrolled' ? 'status.notEnrolled' : `status.${status.enrollment}`)
            : '…'}
        </dd>
        {status?.enrollmentMode && (
          <>
            <dt>{t('enrollment.mode')}</dt>
            <dd>{t(`enrollment.${status.enrollmentMode}`)}</dd>
          </>
        )}
        {status && status.provisioning.state !== 'absent' && (
          <>
            <dt>{t('settings.provisioning')}</dt>
            <dd data-testid="provisioning">
              {t(`settings.provisioning_${status.provisioning.state}`)}
              {status.provisioning.message && ` — ${status.provisioning.message}`}
            </dd>
          </>
        )}
        <dt>{t('settings.version')}</dt>
        <dd>{status?.appVersion ?? '…'}</dd>
        <dt>{t('settings.platform')}</dt>
        <dd>{status?.platform ?? '…'}</dd>
      </dl>
      {status?.identityError && (
        <p role="alert" className="error-message">
          {t('errorCodes.KEYCHAIN_UNAVAILABLE')} ({status.identityError})
        </p>
      )}
      <h2>{t('enrollment.heading')}</h2>
      {status && <EnrollmentPanel status={status} />}
      <h2>{t('settings.preferences')}</h2>
      {draft && (
        <form className="settings-form" onSubmit={(e) => void submit(e)}>
          <label>
            {t('settings.language')}
            <select {...field('locale')}>
              <option value="en">English</option>
              <option value="fr">Français</option>
              <option value="id">Bahasa Indonesia</option>
            </select>
          </label>
          <label>
            {t('settings.serverUrl')}
            <input type="url" {...field('serverUrl')} />
          </label>
          <label>
            {t('settings.currency')}
            <input {...field('currency')} maxLength={3} />
          </label>
          <p className="hint">{example && t('settings.example', { amount: example })}</p>
          <label>
            {t('settings.terminalName')}
            <input {...field('terminalName')} />
          </label>
          <fieldset>
            <legend>{t('receipts.shopHeader')}</legend>
            <label>
              {t('receipts.shopName')}
              <input {...field('shopName')} maxLength={64} />
            </label>
            <label>
              {t('receipts.shopAddress')}
              <input {...field('shopAddress')} maxLength={200} />
            </label>
            <label>
              {t('receipts.shopTaxId')}
              <input {...field('shopTaxId')} maxLength={40} />
            </label>
          </fieldset>
          <button type="submit">{t('settings.save')}</button>
          <FormMessage message={message} />
        </form>
      )}
      {status?.enrollmentMode === 'pos' && <CashiersSection />}
      {status?.enrollmentMode === 'pos' && <QuickKeysSection />}
      {status?.features.includes('pos') && <HardwareSection />}
    </section>
  );
}

function safeExample(currency: string, locale: string): string {
  try {
    return formatMoney(123456 * 10 ** Math.max(0, minorUnitExponent(currency) - 2), currency, locale);
  } catch {
    return '';
  }
}
