import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { SalesPage as Page, SaleRecord } from '../../../protocol/http/sales';
import { minorUnitExponent } from '../../../protocol/money';
import { api, ApiError } from '../../api';
import { ErrorNote } from '../../components/ErrorNote';
import { localTimeZone, queryOf, toMinor } from './format';
import { SaleRows } from './SaleRows';

const STATES = ['pending', 'reconciled', 'held', 'rejected'] as const;
const KINDS = ['sale', 'refund', 'void'] as const;

/** Saves a CSV answer as a file; a refusal (JSON) becomes an ApiError like any other. */
async function download(path: string, name: string): Promise<void> {
  const res = await fetch(path, { credentials: 'same-origin' });
  if (!res.ok) {
    const json = (await res.json().catch(() => undefined)) as
      { error?: { code?: string; message?: string } } | undefined;
    throw new ApiError(res.status, json?.error?.code ?? `HTTP_${res.status}`, json?.error?.message ?? '');
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Issue #19, item 8: search sales, page through them, download them as CSV. */
export function SalesPage() {
  const { t } = useTranslation();
  const tz = localTimeZone();
  const [query, setQuery] = useState<Record<string, string | undefined>>();
  const [sales, setSales] = useState<SaleRecord[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  /** A mistake the page itself sees, before asking the server. */
  const [hint, setHint] = useState<string>();

  const load = (fields: Record<string, string | undefined>, cursor?: string) => {
    setBusy(true);
    setError(undefined);
    api<Page>('GET', `/offline/sales?${queryOf({ ...fields, cursor })}`)
      .then(
        (page) => {
          setSales((before) => (cursor ? [...before, ...page.sales] : page.sales));
          setNext(page.next_cursor);
        },
        (err: unknown) => setError(err),
      )
      .finally(() => setBusy(false));
  };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const get = (name: string) => String(data.get(name) ?? '').trim();
    const currency = get('currency').toUpperCase();
    const exponent = minorUnitExponent(currency);
    const min = get('min');
    const max = get('max');
    setHint(undefined);
    if ((min || max) && !currency) {
      setHint(t('sales.amountNeedsCurrency'));
      return;
    }
    const fields = {
      device_id: get('device_id'),
      cashier_id: get('cashier_id'),
      from: get('from'),
      to: get('to'),
      tz,
      status: get('status'),
      kind: get('kind'),
      currency,
      // An amount that is not a number is sent as typed: the server names the field.
      min_minor: min && (toMinor(min, exponent) ?? min),
      max_minor: max && (toMinor(max, exponent) ?? max),
    };
    setQuery(fields);
    load(fields);
  };

  const exportCsv = () => {
    setHint(undefined);
    if (!query?.from || !query.to) {
      setHint(t('sales.downloadNeedsDays'));
      return;
    }
    const { from, to } = query;
    setError(undefined);
    download(`/offline/sales/export?${queryOf(query)}`, `sales-${from}-${to}.csv`).catch((err: unknown) =>
      setError(err),
    );
  };

  return (
    <>
      <h1>{t('sales.title')}</h1>
      <form className="filters" onSubmit={submit} aria-label={t('sales.search')}>
        <label className="field">
          <span>{t('sales.from')}</span>
          <input type="date" name="from" />
        </label>
        <label className="field">
          <span>{t('sales.to')}</span>
          <input type="date" name="to" />
        </label>
        <label className="field">
          <span>{t('sales.till')}</span>
          <input name="device_id" autoComplete="off" />
        </label>
        <label className="field">
          <span>{t('sales.cashier')}</span>
          <input name="cashier_id" autoComplete="off" />
        </label>
        <label className="field">
          <span>{t('sales.status')}</span>
          <select name="status" defaultValue="">
            <option value="">{t('sales.any')}</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {t(`sales.states.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('sales.kind')}</span>
          <select name="kind" defaultValue="">
            <option value="">{t('sales.any')}</option>
            {KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`sales.kinds.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('sales.currency')}</span>
          <input name="currency" maxLength={3} size={4} autoComplete="off" />
        </label>
        <label className="field">
          <span>{t('sales.min')}</span>
          <input name="min" inputMode="decimal" size={10} />
        </label>
        <label className="field">
          <span>{t('sales.max')}</span>
          <input name="max" inputMode="decimal" size={10} />
        </label>
        <p className="hint">{t('sales.timeZone', { tz })}</p>
        <div className="buttons">
          <button type="submit" disabled={busy}>
            {t('sales.search')}
          </button>
          <button type="button" onClick={exportCsv} disabled={!query}>
            {t('sales.download')}
          </button>
        </div>
      </form>
      {hint && (
        <p role="alert" className="error">
          {hint}
        </p>
      )}
      <ErrorNote error={error} />
      {query && sales.length === 0 && !busy && <p>{t('sales.empty')}</p>}
      {sales.length > 0 && <SaleRows sales={sales} caption={t('sales.title')} />}
      {next && (
        <button type="button" disabled={busy} onClick={() => query && load(query, next)}>
          {t('sales.more')}
        </button>
      )}
    </>
  );
}
