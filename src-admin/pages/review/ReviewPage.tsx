import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReviewItem, ScoreReason } from '../../../protocol/http/payments';
import type { BundleDetail, ReviewPage as Page } from '../../../protocol/http/sales';
import { api } from '../../api';
import { ErrorNote } from '../../components/ErrorNote';
import { en } from '../../i18n/en';
import { money, queryOf, when } from '../sales/format';
import { Head } from '../sales/Head';
import { SaleRows } from '../sales/SaleRows';

const REASONS = Object.keys(en.scoreReasons) as ScoreReason['code'][];
type Filters = { status?: string; reason?: string; device_id?: string };

/** A bundle's totals per currency, each in its own format. */
const totals = (items: ReviewItem['totals'], locale: string) =>
  items.map((x) => money(x.total_minor, x.currency, locale)).join(' + ');

function Bundle({ detail, onDecided }: { detail: BundleDetail; onDecided: (approved: boolean) => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const heading = useRef<HTMLHeadingElement>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  useEffect(() => heading.current?.focus(), [detail.bundle_id]);
  const held = detail.status === 'review' || detail.status === 'quarantined';

  const decide = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const decision = submitter?.value === 'approve' ? 'approve' : 'reject';
    const note = String(new FormData(event.currentTarget).get('note') ?? '').trim();
    setBusy(true);
    setError(undefined);
    api('POST', `/offline/review/${detail.bundle_id}?${queryOf({ device_id: detail.device_id })}`, {
      decision,
      note,
    })
      .then(
        () => onDecided(decision === 'approve'),
        (err: unknown) => setError(err),
      )
      .finally(() => setBusy(false));
  };

  return (
    <section className="panel" aria-labelledby="bundle-title" data-bundle={detail.bundle_id}>
      <h2 id="bundle-title" ref={heading} tabIndex={-1}>
        {t('review.bundleTitle', { till: detail.till_name ?? detail.device_id })}
      </h2>
      <p>
        {t('review.facts', {
          status: t(`sales.bundleStates.${detail.status}`),
          score: detail.sira_score.toFixed(2),
          when: when(detail.received_at, lang),
        })}
      </p>
      <h3>{t('review.reasons')}</h3>
      <ul className="reasons">
        {/* A code may come twice: a bundle's own DUPLICATE_QR and one a later push of its QR added. */}
        {detail.reasons.map((r, i) => (
          <li key={`${r.code}:${i}`} data-reason={r.code}>
            {t(`scoreReasons.${r.code}`)} <span className="muted">(+{r.weight.toFixed(2)})</span>
          </li>
        ))}
      </ul>
      <SaleRows sales={detail.sales} caption={t('sales.title')} />
      {detail.review && (
        <p>
          {t('review.decidedBy', {
            who: detail.review.by_email ?? '?',
            when: when(detail.review.at, lang),
            note: detail.review.note ?? '',
          })}
        </p>
      )}
      {held && (
        <form onSubmit={decide} aria-label={t('review.decide')}>
          <label className="field">
            <span>{t('review.note')}</span>
            <input name="note" required maxLength={500} autoComplete="off" />
          </label>
          <ErrorNote error={error} />
          <button type="submit" value="approve" disabled={busy}>
            {t('review.approve')}
          </button>
          <button type="submit" value="reject" disabled={busy} className="danger">
            {t('review.reject')}
          </button>
        </form>
      )}
    </section>
  );
}

/** Issue #19, item 7: the review queue, paged and filtered; a bundle's reasons and sales; the decision. */
export function ReviewPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [filters, setFilters] = useState<Filters>({});
  const [cursor, setCursor] = useState<string>();
  const [page, setPage] = useState<Page>();
  const [open, setOpen] = useState<BundleDetail>();
  const [outcome, setOutcome] = useState<string>();
  const [error, setError] = useState<unknown>();

  const load = useCallback(() => {
    setError(undefined);
    api<Page>('GET', `/offline/review?${queryOf({ ...filters, limit: '20', cursor })}`).then(
      setPage,
      (err: unknown) => setError(err),
    );
  }, [filters, cursor]);
  useEffect(load, [load]);

  // A bundle is (device_id, bundle_id): its id alone may name several tills' bundles.
  const show = (bundle: { bundle_id: string; device_id: string }) => {
    api<BundleDetail>(
      'GET',
      `/offline/sales/bundles/${bundle.bundle_id}?${queryOf({ device_id: bundle.device_id })}`,
    ).then(setOpen, (err: unknown) => setError(err));
  };

  const filter = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const get = (name: string) => String(data.get(name) ?? '').trim() || undefined;
    setCursor(undefined);
    setFilters({ status: get('status'), reason: get('reason'), device_id: get('device_id') });
  };

  return (
    <>
      <h1>{t('review.title')}</h1>
      <p>{t('review.intro')}</p>
      <form className="filters" onSubmit={filter} aria-label={t('review.filters')}>
        <label className="field">
          <span>{t('review.status')}</span>
          <select name="status" defaultValue="">
            <option value="">{t('review.anyStatus')}</option>
            <option value="review">{t('sales.bundleStates.review')}</option>
            <option value="quarantined">{t('sales.bundleStates.quarantined')}</option>
          </select>
        </label>
        <label className="field">
          <span>{t('review.reason')}</span>
          <select name="reason" defaultValue="">
            <option value="">{t('review.anyReason')}</option>
            {REASONS.map((code) => (
              <option key={code} value={code}>
                {t(`scoreReasons.${code}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('sales.till')}</span>
          <input name="device_id" autoComplete="off" />
        </label>
        <div className="buttons">
          <button type="submit">{t('review.show')}</button>
        </div>
      </form>
      <ErrorNote error={error} />
      {outcome && (
        <p role="status" className="ok">
          {outcome}
        </p>
      )}
      {page && page.bundles.length === 0 && <p>{t('review.empty')}</p>}
      {page && page.bundles.length > 0 && (
        <div className="scroll">
          <table aria-label={t('review.title')}>
            <Head
              cols={[
                t('review.received'),
                t('ledger.till'),
                t('review.status'),
                { num: t('review.score') },
                t('review.reasons'),
                { num: t('sales.total') },
                { hidden: t('review.open') },
              ]}
            />
            <tbody>
              {page.bundles.map((b) => (
                // A bundle is (device, id): two tills may hold one id (#16, pass 14 L-1).
                <tr key={`${b.device_id}/${b.bundle_id}`} data-bundle={b.bundle_id} data-device={b.device_id}>
                  <td>{when(b.received_at, lang)}</td>
                  <td>{b.device_id}</td>
                  <td>{t(`sales.bundleStates.${b.status}`)}</td>
                  <td className="num">{b.sira_score.toFixed(2)}</td>
                  <td>{b.reasons.map((r) => t(`scoreReasons.${r.code}`)).join('; ')}</td>
                  <td className="num">{totals(b.totals, lang)}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => {
                        setOutcome(undefined);
                        show(b);
                      }}
                    >
                      {t('review.open')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>
        {cursor && (
          <button type="button" onClick={() => setCursor(undefined)}>
            {t('review.first')}
          </button>
        )}
        {page?.next_cursor && (
          <button type="button" onClick={() => setCursor(page.next_cursor ?? undefined)}>
            {t('review.next')}
          </button>
        )}
      </p>
      {open && (
        <Bundle
          detail={open}
          onDecided={(approved) => {
            setOutcome(t(approved ? 'review.approved' : 'review.rejected'));
            show(open);
            load();
          }}
        />
      )}
    </>
  );
}
