import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { HealthOverview } from '../../../protocol/http/operations';
import { api } from '../../api';
import { ErrorNote } from '../../components/ErrorNote';
import { When } from '../../components/When';
import { absoluteTime } from '../../format';

type Level = 'ok' | 'warn' | 'bad';

/** A waiting reconciliation older than this is worth a look. */
const QUEUE_SLOW_MS = 5 * 60_000;

/** One line of the panel: what, its state in words and colour, and the facts. */
function Item({ name, level, children }: { name: string; level: Level; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <li className={`health-${level}`} data-health={level}>
      <strong>{name}</strong> <span className="badge">{t(`health.${level}`)}</span>
      <div>{children}</div>
    </li>
  );
}

/**
 * Health at a glance (issue #19, item 10), on Home for the administrator and operations: what
 * GET /offline/health/overview answers, each part in words and a colour, with the time it was read.
 * Operations also get the raw Prometheus metrics (/metrics takes their session).
 */
export function HealthPanel({ metrics }: { metrics: boolean }) {
  const { t, i18n } = useTranslation();
  const [health, setHealth] = useState<HealthOverview>();
  const [error, setError] = useState<unknown>();
  const load = useCallback(() => {
    setError(undefined);
    api<HealthOverview>('GET', '/offline/health/overview').then(setHealth, (err: unknown) => setError(err));
  }, []);
  useEffect(load, [load]);
  const when = (iso: string | null) => <When iso={iso} never="" />;
  const h = health;
  const oldest = h?.reconciliation.oldest_enqueued_at;
  const slow = oldest != null && Date.now() - Date.parse(oldest) > QUEUE_SLOW_MS;
  return (
    <section className="health" aria-labelledby="health-title">
      <h2 id="health-title">{t('health.title')}</h2>
      <ErrorNote error={error} />
      {h && (
        <>
          <p className="hint">
            {t('health.readAt', { at: absoluteTime(h.server_time, i18n.language) })}{' '}
            <button type="button" onClick={load}>
              {t('health.refresh')}
            </button>
          </p>
          <ul className="health-list">
            <Item name={t('health.database')} level="ok">
              {t('health.connected', { version: h.migrations.version ?? '—', count: h.migrations.applied })}
            </Item>
            <Item
              name={t('health.workers')}
              level={h.worker.status === 'running' ? 'ok' : h.worker.status === 'stale' ? 'warn' : 'bad'}
            >
              {t(`health.worker_${h.worker.status}`)}
              <ul>
                {h.workers.map((w) => (
                  <li key={w.worker_id}>
                    {t('health.workerLine', { id: w.worker_id, kind: w.kind, when: '' })}
                    {when(w.heartbeat_at)}
                  </li>
                ))}
              </ul>
            </Item>
            <Item name={t('health.queue')} level={slow || h.reconciliation.retrying > 0 ? 'warn' : 'ok'}>
              {t('health.queueLine', { count: h.reconciliation.queued, retrying: h.reconciliation.retrying })}
              {oldest && (
                <>
                  {', '}
                  {t('health.queueOldest', { when: '' })}
                  {when(oldest)}
                </>
              )}
            </Item>
            <Item
              name={t('health.held')}
              level={h.bundles.review + h.bundles.quarantined > 0 ? 'warn' : 'ok'}
            >
              {t('health.heldLine', h.bundles)} <a href="#/review">{t('health.openReview')}</a>
            </Item>
            <Item name={t('health.jobs')} level={h.encryption_jobs.failed > 0 ? 'warn' : 'ok'}>
              {t('health.jobsLine', h.encryption_jobs)}
            </Item>
            <Item name={t('health.keys')} level="ok">
              <ul>
                {h.keys.map((k) => (
                  <li key={k.kind}>
                    {t('health.keyLine', { kind: k.kind, when: '' })}
                    {when(k.created_at)}
                  </li>
                ))}
              </ul>
            </Item>
            <Item name={t('health.audit')} level={h.audit.checkpoint_through ? 'ok' : 'warn'}>
              {h.audit.checkpoint_through ? (
                <>
                  {t('health.auditLine', {
                    last: h.audit.last_id,
                    through: h.audit.checkpoint_through,
                    when: '',
                  })}
                  {when(h.audit.checkpoint_at)}
                </>
              ) : (
                t('health.auditNone')
              )}{' '}
              <a href="#/audit">{t('health.openAudit')}</a>
            </Item>
          </ul>
          {metrics && (
            <p>
              <a href="/metrics" target="_blank" rel="noreferrer">
                {t('health.metrics')}
              </a>
            </p>
          )}
        </>
      )}
    </section>
  );
}
