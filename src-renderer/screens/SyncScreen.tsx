import { useTranslation } from 'react-i18next';
import { useSubscription } from '../api/hooks';

export function SyncScreen() {
  const { t, i18n } = useTranslation();
  const { value: status } = useSubscription('device.status');
  const checked = status?.server.checkedAt
    ? new Date(status.server.checkedAt).toLocaleTimeString(i18n.language)
    : t('sync.never');
  return (
    <section className="screen">
      <h1>{t('nav.sync')}</h1>
      <p className="empty">{t('sync.empty')}</p>
      <p>{t('sync.lastCheck', { when: checked })}</p>
      {status?.server.lastError && <p className="error-message">{status.server.lastError}</p>}
    </section>
  );
}
