import { useTranslation } from 'react-i18next';
import { useSubscription } from '../api/hooks';
import { useMoney } from '../features/pos/format';

/** Across the app: sales not yet accepted by the server, for how much, and how long is left. */
export function PendingBanner() {
  const { t } = useTranslation();
  const money = useMoney();
  const { value } = useSubscription('pos.pending');
  if (!value || (value.count === 0 && value.rejected === 0)) return null;
  const amounts = value.totals.map((x) => money(x.totalMinor, x.currency)).join(' + ');
  let deadline: string | null = null;
  if (value.count > 0 && value.msLeft !== null) {
    if (value.msLeft <= 0) deadline = t('banner.overdue', { hours: value.maxAgeHours ?? '' });
    else {
      const minutes = Math.floor(value.msLeft / 60_000);
      const h = Math.floor(minutes / 60);
      const m = minutes % 60;
      deadline = t('banner.timeLeft', {
        time: h > 0 ? t('banner.hours', { h, m }) : t('banner.minutes', { m }),
      });
    }
  }
  const urgent = value.rejected > 0 || (value.msLeft !== null && value.msLeft < 3_600_000);
  return (
    <div
      className={`pending-banner${urgent ? ' urgent' : ''}`}
      role="region"
      aria-label={t('banner.label')}
      data-testid="pending-banner"
    >
      {value.count > 0 && (
        <p data-testid="pending-count" data-count={value.count}>
          <strong>{t('banner.waiting', { count: value.count })}</strong>
          {amounts && ` (${amounts})`}
          {deadline && ` — ${deadline}`}
        </p>
      )}
      {value.rejected > 0 && (
        <p className="error-message">{t('banner.rejected', { count: value.rejected })}</p>
      )}
      <a href="#/sync">{t('banner.details')}</a>
    </div>
  );
}
