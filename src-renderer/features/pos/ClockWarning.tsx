import { useTranslation } from 'react-i18next';
import { useSubscription } from '../../api/hooks';

/**
 * The status bar's word when the OS clock is off the till's clock for money by more than the server
 * allows (issue #18 item 8). Sales go on, stamped with the server's time; nothing shows otherwise,
 * nor on a terminal without a till (its subscription is refused).
 */
export function ClockWarning() {
  const { t } = useTranslation();
  const { value } = useSubscription('pos.clock');
  if (!value?.warn) return null;
  return (
    <span className="badge badge-warning" data-testid="clock-warning" data-skew-ms={value.skewMs}>
      {t('status.clockOff', { minutes: Math.round(Math.abs(value.skewMs) / 60_000) })}
    </span>
  );
}
