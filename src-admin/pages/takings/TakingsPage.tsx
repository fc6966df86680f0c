import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Takings } from '../../../protocol/http/sales';
import { api } from '../../api';
import { ErrorNote } from '../../components/ErrorNote';
import { localTimeZone, money, queryOf, today } from '../sales/format';
import { Head } from '../sales/Head';

/** Issue #19, item 8: one day's takings by till, cashier, tender and currency, refunds netted. */
export function TakingsPage() {
  const { t, i18n } = useTranslation();
  const tz = localTimeZone();
  const [takings, setTakings] = useState<Takings>();
  const [error, setError] = useState<unknown>();
  const lang = i18n.language;
  const fmt = (minor: string, currency: string) => money(minor, currency, lang);

  const load = useCallback(
    (day: string, device?: string) => {
      setError(undefined);
      api<Takings>('GET', `/offline/sales/takings?${queryOf({ day, tz, device_id: device })}`).then(
        setTakings,
        (err: unknown) => setError(err),
      );
    },
    [tz],
  );
  useEffect(() => load(today()), [load]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    load(String(data.get('day') ?? ''), String(data.get('device_id') ?? '').trim());
  };

  return (
    <>
      <h1>{t('takings.title')}</h1>
      <form className="filters" onSubmit={submit} aria-label={t('takings.title')}>
        <label className="field">
          <span>{t('takings.day')}</span>
          <input type="date" name="day" defaultValue={today()} required />
        </label>
        <label className="field">
          <span>{t('takings.till')}</span>
          <input name="device_id" autoComplete="off" />
        </label>
        <div className="buttons">
          <button type="submit">{t('takings.show')}</button>
        </div>
      </form>
      <ErrorNote error={error} />
      {takings && (
        <>
          <p>{t('takings.intro', { day: takings.day, tz: takings.tz })}</p>
          {takings.rows.length === 0 ? (
            <p>{t('takings.empty')}</p>
          ) : (
            <>
              <h2>{t('takings.totals')}</h2>
              <div className="scroll">
                <table aria-label={t('takings.totals')}>
                  <Head
                    cols={[
                      t('takings.currency'),
                      { num: t('takings.sales') },
                      { num: t('takings.refunds') },
                      { num: t('takings.net') },
                    ]}
                  />
                  <tbody>
                    {takings.totals.map((c) => (
                      <tr key={c.currency} data-currency={c.currency}>
                        <th scope="row">{c.currency}</th>
                        <td className="num">{fmt(c.sales_minor, c.currency)}</td>
                        <td className="num">{fmt(c.refunds_minor, c.currency)}</td>
                        <td className="num">{fmt(c.net_minor, c.currency)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <h2>{t('takings.byTill')}</h2>
              <div className="scroll">
                <table aria-label={t('takings.byTill')}>
                  <Head
                    cols={[
                      t('takings.till_col'),
                      t('takings.cashier'),
                      t('takings.tender'),
                      { num: t('takings.sales') },
                      { num: t('takings.refunds') },
                      { num: t('takings.net') },
                    ]}
                  />
                  <tbody>
                    {takings.rows.map((r) => (
                      <tr
                        key={`${r.device_id}/${r.cashier_id ?? ''}/${r.tender}/${r.currency}`}
                        data-till={r.device_id}
                      >
                        <td>{r.till_name ?? r.device_id}</td>
                        <td>{r.cashier_id ?? t('sales.noCashier')}</td>
                        <td>{t(`sales.tenders.${r.tender}`)}</td>
                        <td className="num">
                          {fmt(r.sales_minor, r.currency)} <span className="muted">({r.sales_count})</span>
                        </td>
                        <td className="num">
                          {fmt(r.refunds_minor, r.currency)}{' '}
                          <span className="muted">({r.refunds_count})</span>
                        </td>
                        <td className="num">{fmt(r.net_minor, r.currency)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
          {takings.not_counted.length > 0 && (
            <>
              <h2>{t('takings.notCounted')}</h2>
              <ul>
                {takings.not_counted.map((n) => (
                  <li key={`${n.status}/${n.currency}`}>
                    {t('takings.notCountedLine', {
                      status: t(`sales.states.${n.status}`),
                      count: n.count,
                      amount: fmt(n.total_minor, n.currency),
                    })}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </>
  );
}
