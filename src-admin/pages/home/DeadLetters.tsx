import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DeadLetter, DeadLetterList, DeadLetterRetried } from '../../../protocol/http/jobs';
import { api } from '../../api';
import { ErrorNote } from '../../components/ErrorNote';
import { When } from '../../components/When';

/**
 * The job queues' dead letters (issue #23, item 4), under the health panel for the administrator and
 * operations: jobs that failed as often as their queue allows, each with its reason, its attempts and
 * a Retry button (POST /offline/jobs/dead-letters/retry, naming it as the list did).
 */
export function DeadLetters() {
  const { t } = useTranslation();
  const [list, setList] = useState<DeadLetterList>();
  const [error, setError] = useState<unknown>();
  const [retried, setRetried] = useState<string>();
  const load = useCallback(() => {
    api<DeadLetterList>('GET', '/offline/jobs/dead-letters').then(setList, (err: unknown) => setError(err));
  }, []);
  useEffect(load, [load]);
  const retry = (d: DeadLetter) => {
    setError(undefined);
    setRetried(undefined);
    api<DeadLetterRetried>('POST', '/offline/jobs/dead-letters/retry', {
      queue: d.queue,
      id: d.id,
      routes_by: d.routes_by,
    }).then(
      () => {
        setRetried(d.target);
        load();
      },
      (err: unknown) => setError(err),
    );
  };
  return (
    <section className="dead-letters" aria-labelledby="dead-letters-title">
      <h2 id="dead-letters-title">{t('deadLetters.title')}</h2>
      <p className="hint">{t('deadLetters.intro')}</p>
      <ErrorNote error={error} />
      {retried && <p role="status">{t('deadLetters.retried', { target: retried })}</p>}
      {list &&
        (list.dead_letters.length === 0 ? (
          <p>{t('deadLetters.none')}</p>
        ) : (
          <div className="table-scroll">
            {list.total > list.dead_letters.length && (
              <p>{t('deadLetters.more', { shown: list.dead_letters.length, total: list.total })}</p>
            )}
            <table aria-labelledby="dead-letters-title">
              <thead>
                <tr>
                  <th scope="col">{t('deadLetters.queue')}</th>
                  <th scope="col">{t('deadLetters.target')}</th>
                  <th scope="col">{t('deadLetters.attempts')}</th>
                  <th scope="col">{t('deadLetters.reason')}</th>
                  <th scope="col">{t('deadLetters.failedAt')}</th>
                  <th scope="col">{t('deadLetters.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {list.dead_letters.map((d) => (
                  // A reconciliation's id is its bundle's, which is a till's own: the till makes it unique.
                  <tr key={`${d.queue}:${d.routes_by}:${d.id}`} data-dead-letter={d.id}>
                    <td>{t(`deadLetters.queue_${d.queue}`)}</td>
                    <td>
                      {d.target}
                      <br />
                      <small className="code">{d.routes_by}</small>
                    </td>
                    <td className="num">{d.attempts}</td>
                    <td className="code">{d.reason ?? ''}</td>
                    <td>
                      <When iso={d.failed_at} never="" />
                    </td>
                    <td>
                      <button type="button" onClick={() => retry(d)}>
                        {t('deadLetters.retry')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
}
