import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LedgerCheckResult } from '../../../protocol/http/sales';
import { api } from '../../api';
import { ErrorNote } from '../../components/ErrorNote';
import { money, when } from '../sales/format';
import { Head } from '../sales/Head';

/** Shown as money where the sum is an exact safe integer, else as the exact digits. */
function amount(text: string, currency: string, locale: string): string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? money(n, currency, locale) : `${text} ${currency}`;
}

/** Issue #19, item 8: run the ledger's balance check and show what it found. */
export function LedgerPage() {
  const { t, i18n } = useTranslation();
  const [result, setResult] = useState<LedgerCheckResult>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const lang = i18n.language;

  const run = () => {
    setBusy(true);
    setError(undefined);
    api<LedgerCheckResult>('POST', '/offline/ledger/check')
      .then(setResult, (err: unknown) => setError(err))
      .finally(() => setBusy(false));
  };

  return (
    <>
      <h1>{t('ledger.title')}</h1>
      <p>{t('ledger.intro')}</p>
      <button type="button" onClick={run} disabled={busy}>
        {t('ledger.run')}
      </button>
      <ErrorNote error={error} />
      {result && (
        <section aria-label={t('ledger.title')}>
          <p role="status" className={result.balanced ? 'ok' : 'error'}>
            {result.balanced
              ? t('ledger.balanced', { count: result.entries, when: when(result.checked_at, lang) })
              : t('ledger.unbalanced', { when: when(result.checked_at, lang) })}
          </p>
          <div className="scroll">
            <table>
              <Head
                cols={[
                  t('ledger.currency'),
                  { num: t('ledger.debits') },
                  { num: t('ledger.credits') },
                  { num: t('ledger.difference') },
                ]}
              />
              <tbody>
                {result.by_currency.map((c) => (
                  <tr key={c.currency}>
                    <th scope="row">{c.currency}</th>
                    <td className="num">{amount(c.debit_minor, c.currency, lang)}</td>
                    <td className="num">{amount(c.credit_minor, c.currency, lang)}</td>
                    <td className="num">{amount(c.difference_minor, c.currency, lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>{t('ledger.unbalancedSales', { count: result.unbalanced_sales.count })}</h2>
          <ul>
            {result.unbalanced_sales.sample.map((s) => (
              <li key={`${s.device_id ?? ''}/${s.sale_id}`} className="code">
                {t('ledger.till')} {s.device_id ?? '?'} · {t('ledger.sale')} {s.sale_id}
              </li>
            ))}
          </ul>
          <h2>{t('ledger.withoutSale', { count: result.entries_without_sale.count })}</h2>
          <ul>
            {result.entries_without_sale.sample.map((s) => (
              <li key={`${s.bundle_id}/${s.sale_id}`} className="code">
                {t('ledger.bundle')} {s.bundle_id} · {t('ledger.sale')} {s.sale_id}
              </li>
            ))}
          </ul>
          <h2>{t('ledger.withoutEntries', { count: result.reconciled_without_entries.count })}</h2>
          <ul>
            {result.reconciled_without_entries.sample.map((s) => (
              <li key={`${s.device_id}/${s.sale_id}`} className="code">
                {t('ledger.till')} {s.device_id} · {t('ledger.sale')} {s.sale_id}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
