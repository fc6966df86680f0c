import { useTranslation } from 'react-i18next';
import { useConnected, useSubscription } from '../api/hooks';
import { ClockWarning } from '../features/pos/ClockWarning';

/** The till's one-glance health: is the server reachable, and is the app core alive. */
export function StatusBar() {
  const { t } = useTranslation();
  const connected = useConnected();
  const { value: status } = useSubscription('device.status');
  const reach = status?.server.reachability ?? 'unknown';
  return (
    <div className="status-bar" role="status" aria-live="polite">
      {!connected && <span className="badge badge-error">{t('status.coreLost')}</span>}
      <span className={`badge badge-${reach}`} data-testid="server-reachability" data-state={reach}>
        {t(`status.${reach}`)}
      </span>
      {status && (
        <span className="badge" data-testid="enrollment">
          {t(status.enrollment === 'not_enrolled' ? 'status.notEnrolled' : `status.${status.enrollment}`)}
        </span>
      )}
      <ClockWarning />
    </div>
  );
}
