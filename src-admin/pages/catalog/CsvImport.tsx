import { useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, ApiError } from '../../api';
import { ErrorNote, issuesOf, reasonText } from '../../components/ErrorNote';
import { tenantQuery, type Tenant } from './tenant';

type Outcome =
  | { kind: 'done'; file: string; changed: number; total: number }
  | { kind: 'refused'; file: string; error: ApiError };

/**
 * Import a CSV (file picker or drag and drop) and show the server's answer: rows read and products
 * changed, or each refused line with its column and reason in the user's language (nothing is
 * imported then). Export is a plain download of GET /offline/catalog/export.
 */
export function CsvImport(props: { tenant: Tenant; onImported: () => void }) {
  const { t, i18n } = useTranslation();
  const [outcome, setOutcome] = useState<Outcome>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);

  const send = async (file: File) => {
    setBusy(true);
    setError(undefined);
    setOutcome(undefined);
    try {
      const res = await api<{ changed: number; total: number }>('POST', '/offline/catalog/import', {
        ...props.tenant,
        csv: await file.text(),
      });
      setOutcome({ kind: 'done', file: file.name, ...res });
      props.onImported();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CATALOG_CSV_INVALID')
        setOutcome({ kind: 'refused', file: file.name, error: err });
      else setError(err);
    } finally {
      setBusy(false);
    }
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const file = e.dataTransfer.files[0];
    if (file) void send(file);
  };

  return (
    <section aria-labelledby="csv-title">
      <h2 id="csv-title">{t('catalog.csv.title')}</h2>
      <div
        className={over ? 'drop over' : 'drop'}
        data-testid="csv-drop"
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
      >
        <label className="field">
          <span>{t('catalog.csv.choose')}</span>
          <input
            type="file"
            accept=".csv,text/csv"
            disabled={busy}
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void send(file);
            }}
          />
        </label>
        <p className="hint">{t('catalog.csv.dropHint')}</p>
      </div>
      <p>
        <a
          className="button"
          href={`/offline/catalog/export?${tenantQuery(props.tenant)}`}
          download={`catalog-${props.tenant.tenant_id}.csv`}
        >
          {t('catalog.csv.export')}
        </a>
      </p>
      <ErrorNote error={error} />
      {busy && <p role="status">{t('catalog.csv.sending')}</p>}
      {outcome?.kind === 'done' && (
        <p role="status" className="ok">
          {t('catalog.csv.done', {
            file: outcome.file,
            total: t('catalog.csv.rowsRead', { count: outcome.total }),
            changed: t('catalog.csv.changed', { count: outcome.changed }),
          })}
        </p>
      )}
      {outcome?.kind === 'refused' && (
        <div role="alert" className="error" data-code="CATALOG_CSV_INVALID">
          <p>{t('catalog.csv.refused', { file: outcome.file })}</p>
          <div className="scroll">
            <table className="issues">
              <thead>
                <tr>
                  <th scope="col">{t('catalog.csv.line')}</th>
                  <th scope="col">{t('catalog.csv.column')}</th>
                  <th scope="col">{t('catalog.csv.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {issuesOf(outcome.error).map((issue, i) => (
                  <tr key={i} data-line={issue.line}>
                    <td>{issue.line}</td>
                    <td className="code">{issue.column ?? '—'}</td>
                    <td title={issue.message}>{reasonText(t, i18n, issue)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}
    </section>
  );
}
