import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SyncStatus } from '../../../protocol/api';
import { useApi, useSubscription } from '../../api/hooks';
import { errorText } from '../../i18n/error-text';
import { formatTime } from '../pos/format';

const COUNTS = ['pending', 'pushed', 'accepted', 'review', 'quarantined', 'reconciled', 'rejected'] as const;

export function SyncScreen() {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const { value: device } = useSubscription('device.status');
  const { value: sync } = useSubscription('sync.status');
  const [running, setRunning] = useState(false);
  const [answer, setAnswer] = useState<SyncStatus>();
  const [failure, setFailure] = useState<string>();
  const checked = device?.server.checkedAt
    ? new Date(device.server.checkedAt).toLocaleTimeString(i18n.language)
    : t('sync.never');
  // The subscription is live; the command's answer only fills in until the next item arrives.
  const status = sync ?? answer;
  const lastError =
    status?.lastError &&
    errorText(t, Object.assign(new Error(status.lastError), { code: status.lastErrorCode ?? '' }));

  const syncNow = async () => {
    setRunning(true);
    setFailure(undefined);
    try {
      setAnswer(await api.call('sync.now', {}));
    } catch (caught) {
      setFailure(errorText(t, caught as Error));
    } finally {
      setRunning(false);
    }
  };

  return (
    <section className="screen">
      <h1>{t('nav.sync')}</h1>
      <p>{t('sync.lastCheck', { when: checked })}</p>
      {device?.server.lastError && <p className="error-message">{device.server.lastError}</p>}
      {status && (
        <>
          <dl className="facts" data-testid="sync-facts">
            <dt>{t('sync.stateLabel')}</dt>
            <dd data-testid="sync-state" data-state={status.state}>
              {t(`sync.state_${status.state}`)}
            </dd>
            <dt>{t('sync.lastSync')}</dt>
            <dd>{formatTime(status.lastSyncAt, i18n.language) ?? t('sync.never')}</dd>
            <dt>{t('sync.nextRetry')}</dt>
            <dd>{formatTime(status.nextRetryAt, i18n.language) ?? t('sync.none')}</dd>
            <dt>{t('sync.lastError')}</dt>
            <dd data-testid="sync-error">{lastError || t('sync.none')}</dd>
          </dl>
          <h2>{t('sync.counts')}</h2>
          <dl className="counts" data-testid="sync-counts">
            {COUNTS.map((name) => (
              <div key={name} className={`count count-${name}`}>
                <dt>{t(`saleStatus.${name}`)}</dt>
                <dd data-testid={`count-${name}`}>{status.counts[name]}</dd>
              </div>
            ))}
          </dl>
          {COUNTS.every((name) => status.counts[name] === 0) && <p className="empty">{t('sync.empty')}</p>}
        </>
      )}
      <p className="row">
        <button type="button" onClick={() => void syncNow()} disabled={running}>
          {running ? t('sync.syncing') : t('sync.syncNow')}
        </button>
      </p>
      {failure && (
        <p role="alert" className="error-message">
          {failure}
        </p>
      )}
      {status && status.rejectedBundles.length > 0 && (
        <section aria-labelledby="rejected-heading">
          <h2 id="rejected-heading">{t('sync.rejectedBundles')}</h2>
          <p className="hint">{t('sync.rejectedHint')}</p>
          <table className="grid" data-testid="rejected-bundles">
            <thead>
              <tr>
                <th scope="col">{t('sync.bundle')}</th>
                <th scope="col">{t('sync.sales')}</th>
                <th scope="col">{t('sync.code')}</th>
                <th scope="col">{t('sync.message')}</th>
              </tr>
            </thead>
            <tbody>
              {status.rejectedBundles.map((b) => (
                <tr key={b.bundleId}>
                  <td>
                    <code>{b.bundleId.slice(0, 8)}</code>
                  </td>
                  <td>{t('sync.salesRange', { from: b.seqFrom, to: b.seqTo })}</td>
                  <td>
                    <code>{b.code}</code>
                  </td>
                  <td>{errorText(t, Object.assign(new Error(b.message), { code: b.code }))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </section>
  );
}
