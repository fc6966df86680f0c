import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEntry, AuditPage as Page, AuditVerification } from '../../../protocol/http/operations';
import { api } from '../../api';
import { ErrorNote } from '../../components/ErrorNote';
import { Field } from '../../components/Form';
import { Table } from '../../components/Table';
import { When } from '../../components/When';
import { absoluteTime } from '../../format';
import { localTimeZone, queryOf } from '../sales/format';
import { Details } from './Details';

const FILTERS = ['actor', 'action', 'target_type', 'target_id'] as const;
const LABELS = {
  actor: 'actor',
  action: 'action',
  target_type: 'targetType',
  target_id: 'targetId',
} as const;

/** "Verify the chain": the server walks the whole log as `npm run audit:verify` does. */
function Verify() {
  const { t, i18n } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<AuditVerification>();
  const [error, setError] = useState<unknown>();
  const run = () => {
    setBusy(true);
    setError(undefined);
    setReport(undefined);
    api<AuditVerification>('POST', '/offline/audit-log/verify')
      .then(setReport, (err: unknown) => setError(err))
      .finally(() => setBusy(false));
  };
  const at = report && absoluteTime(report.checked_at, i18n.language);
  return (
    <section className="verify" aria-label={t('audit.verify')}>
      <button type="button" onClick={run} disabled={busy}>
        {t('audit.verify')}
      </button>
      {busy && <p role="status">{t('audit.verifying')}</p>}
      {report?.ok === true && (
        <div role="status" className="health-ok" data-verified="ok">
          <p>
            {t('audit.intact', {
              rows: t('audit.rowsChecked', { count: report.rows }),
              checkpoints: t('audit.checkpoints', { count: report.checkpoints }),
              pending: t('audit.pending', { count: report.pending }),
              at,
            })}
          </p>
          <p>
            {report.anchor_through === null
              ? t('audit.noAnchor')
              : t('audit.anchor', { id: report.anchor_through })}
          </p>
        </div>
      )}
      {report?.ok === false && (
        <div role="alert" className="health-bad" data-verified="broken" data-row={report.broken_id}>
          <p>
            {t('audit.broken', {
              id: report.broken_id,
              rows: t('audit.rowsRead', { count: report.rows }),
              at,
            })}
          </p>
          <p data-reason={report.code}>{t('audit.reason', { reason: t(`audit.breaks.${report.code}`) })}</p>
        </div>
      )}
      <ErrorNote error={error} />
    </section>
  );
}

function actorText(t: (key: string, o?: Record<string, unknown>) => string, e: AuditEntry): string {
  if (e.actor_email) return e.actor_email;
  if (e.actor_type === 'system')
    return e.actor_id ? `${t('audit.system')} (${e.actor_id})` : t('audit.system');
  if (e.actor_type === 'device') return t('audit.device', { id: e.actor_id ?? '' });
  return `${e.actor_type} ${e.actor_id ?? ''}`.trim();
}

/**
 * Issue #19, item 10: the audit log, newest first, filtered by who, what, which target and days in
 * the user's time zone, each change's before and after shown; and "Verify the chain".
 */
export function AuditPage() {
  const { t } = useTranslation();
  const tz = localTimeZone();
  const [query, setQuery] = useState<Record<string, string | undefined>>({ tz });
  const [entries, setEntries] = useState<AuditEntry[]>();
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const load = (fields: Record<string, string | undefined>, cursor?: string) => {
    setBusy(true);
    setError(undefined);
    api<Page>('GET', `/offline/audit-log?${queryOf({ ...fields, cursor })}`)
      .then(
        (page) => {
          setEntries((before) => (cursor ? [...(before ?? []), ...page.entries] : page.entries));
          setNext(page.next_cursor);
        },
        (err: unknown) => setError(err),
      )
      .finally(() => setBusy(false));
  };
  useEffect(() => load({ tz }), [tz]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const fields: Record<string, string | undefined> = { tz };
    for (const name of [...FILTERS, 'from', 'to']) fields[name] = String(data.get(name) ?? '').trim();
    setQuery(fields);
    load(fields);
  };

  return (
    <>
      <h1>{t('audit.title')}</h1>
      <p>{t('audit.intro')}</p>
      <Verify />
      <form className="filters" onSubmit={submit} aria-label={t('audit.search')}>
        {FILTERS.map((name) => (
          <Field key={name} label={t(`audit.${LABELS[name]}`)} name={name} autoComplete="off" optional />
        ))}
        <Field label={t('audit.from')} name="from" type="date" optional />
        <Field label={t('audit.to')} name="to" type="date" optional />
        <p className="hint">{t('audit.timeZone', { tz })}</p>
        <div className="buttons">
          <button type="submit" disabled={busy}>
            {t('audit.search')}
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      {entries?.length === 0 && <p>{t('audit.empty')}</p>}
      {entries !== undefined && entries.length > 0 && (
        <Table
          heads={[t('audit.when'), t('audit.who'), t('audit.what'), t('audit.target'), t('audit.details')]}
        >
          {entries.map((e) => (
            <tr key={e.id} data-audit-id={e.id}>
              <td>
                <When iso={e.at} never="" />
              </td>
              <td>{actorText(t, e)}</td>
              <td>
                <code>{e.action}</code>
              </td>
              <td>{[e.target_type, e.target_id].filter(Boolean).join(' ')}</td>
              <td>
                <Details details={e.details} />
              </td>
            </tr>
          ))}
        </Table>
      )}
      {next && (
        <button type="button" disabled={busy} onClick={() => load(query, next)}>
          {t('audit.more')}
        </button>
      )}
    </>
  );
}
