import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Policy, PolicyInput, PolicyList } from '../../../protocol/http/policies';
import type { PolicyChange, PolicyHistory } from '../../../protocol/http/policy-history';
import { formatMoney } from '../../../protocol/money';
import { api, ApiError } from '../../api';
import { ErrorNote } from '../../components/ErrorNote';
import { Field, Form, text } from '../../components/Form';
import { Notice } from '../../components/Notice';
import { RowAction, Table } from '../../components/Table';
import { When } from '../../components/When';
import { majorText, toMinor } from '../../format';
import type { PageProps } from '../../page-props';
import { useList } from '../use-list';

/** Every limit of PolicyInput, in the order the form and the history show them. */
const LIMITS = [
  'max_offline_amount',
  'max_unsynced_amount',
  'approval_threshold',
  'max_offline_per_device_per_day',
  'max_bundle_age_hours',
] as const satisfies readonly (keyof PolicyInput)[];
const AMOUNTS: ReadonlySet<string> = new Set([
  'max_offline_amount',
  'max_unsynced_amount',
  'approval_threshold',
]);
const FIELDS = [
  'country',
  'currency',
  ...LIMITS,
  'enabled',
] as const satisfies readonly (keyof PolicyInput)[];

type FieldErrors = Partial<Record<string, string>>;

function usePolicyText() {
  const { t, i18n } = useTranslation();
  return (field: keyof PolicyInput, policy: PolicyInput) => {
    const value = policy[field];
    if (typeof value === 'boolean') return value ? t('policies.on') : t('policies.off');
    if (typeof value === 'number')
      return AMOUNTS.has(field)
        ? formatMoney(value, policy.currency, i18n.language)
        : value.toLocaleString(i18n.language);
    return value;
  };
}

/** One audited change: each value that moved, before → after (all of them where it was created). */
function ChangeRow({ change }: { change: PolicyChange }) {
  const { t } = useTranslation();
  const show = usePolicyText();
  const { before, after } = change;
  const moved = FIELDS.filter((f) => f !== 'country' && (before === null || before[f] !== after[f]));
  return (
    <tr data-version={change.version}>
      <td>
        <When iso={change.at} never="" />
      </td>
      <td>{change.actor_email ?? t('policies.someone')}</td>
      <td className="number">{change.version}</td>
      <td>
        {before === null && <p>{t('policies.created')}</p>}
        <ul className="changes">
          {moved.map((f) => (
            <li key={f} data-field={f}>
              {t(`policies.fields.${f}`)}:{' '}
              {before === null ? show(f, after) : `${show(f, before)} → ${show(f, after)}`}
            </li>
          ))}
        </ul>
      </td>
    </tr>
  );
}

/** The server's refusal of one field, in words: the field's own wording of the issue, else the issue's. */
function useIssueText() {
  const { t, i18n } = useTranslation();
  return (path: string, code: string, message: string) => {
    const keys = [`policies.issues.${path}.${code}`, `policies.issues.${code}`];
    const key = keys.find((k) => i18n.exists(k));
    return key ? t(key) : message;
  };
}

function PolicyForm({ policy, onSaved }: { policy: Policy | 'new'; onSaved: (p: Policy) => void }) {
  const { t } = useTranslation();
  const issueText = useIssueText();
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const current = policy === 'new' ? undefined : policy;
  const initial = (f: (typeof LIMITS)[number]) =>
    current === undefined
      ? ''
      : AMOUNTS.has(f)
        ? majorText(current[f], current.currency)
        : String(current[f]);

  return (
    <Form
      label={current ? t('policies.editTitle', { country: current.country }) : t('policies.newTitle')}
      submit={t('policies.save')}
      errorTexts={{ VALIDATION_FAILED: t('policies.invalid') }}
      onSubmit={async (data) => {
        const currency = text(data, 'currency').trim().toUpperCase();
        const input = {
          country: current?.country ?? text(data, 'country').trim().toUpperCase(),
          currency,
          ...Object.fromEntries(
            LIMITS.map((f) => [
              f,
              AMOUNTS.has(f) ? toMinor(text(data, f), currency) : Number(text(data, f).trim() || NaN),
            ]),
          ),
          enabled: data.get('enabled') === 'on',
        };
        setFieldErrors({});
        try {
          onSaved(await api<Policy>('POST', '/offline/policies', input));
        } catch (err) {
          if (err instanceof ApiError && Array.isArray(err.details)) {
            const issues = err.details as { path: string; code: string; message: string }[];
            setFieldErrors(
              Object.fromEntries(issues.map((i) => [i.path, issueText(i.path, i.code, i.message)])),
            );
          }
          throw err;
        }
      }}
    >
      <div className="grid">
        {current === undefined && (
          <Field
            label={t('policies.fields.country')}
            name="country"
            autoComplete="off"
            error={fieldErrors.country}
          />
        )}
        <Field
          label={t('policies.fields.currency')}
          name="currency"
          autoComplete="off"
          defaultValue={current?.currency ?? ''}
          error={fieldErrors.currency}
        />
        {LIMITS.map((f) => (
          <Field
            key={f}
            label={t(`policies.fields.${f}`)}
            name={f}
            inputMode={AMOUNTS.has(f) ? 'decimal' : 'numeric'}
            autoComplete="off"
            defaultValue={initial(f)}
            error={fieldErrors[f]}
          />
        ))}
      </div>
      <label className="check">
        <input type="checkbox" name="enabled" defaultChecked={current?.enabled ?? true} />
        {t('policies.fields.enabled')}
      </label>
      <p className="hint">{t('policies.amountsHint')}</p>
    </Form>
  );
}

/**
 * Policies (issue #19, item 5): each country's currency and limits; editing one shows the server's
 * refusal beside each field; the audited history of the country's changes, before → after.
 */
export function PoliciesPage(_: PageProps) {
  const { t } = useTranslation();
  const show = usePolicyText();
  const { items: policies, error, load } = useList('/offline/policies', (b: PolicyList) => b.policies);
  const [editing, setEditing] = useState<Policy | 'new'>();
  const [history, setHistory] = useState<PolicyChange[]>();
  const [notice, setNotice] = useState<string>();
  const country = editing === 'new' ? undefined : editing?.country;

  useEffect(() => {
    setHistory(undefined);
    if (country === undefined) return;
    api<PolicyHistory>('GET', `/offline/policies/${country}/history`).then(
      (h) => setHistory(h.changes),
      () => setHistory([]),
    );
  }, [country, policies]);

  return (
    <>
      <h1>{t('policies.title')}</h1>
      <p>{t('policies.intro')}</p>
      <Notice text={notice} />
      <ErrorNote error={error} />
      <p>
        <button type="button" onClick={() => setEditing('new')}>
          {t('policies.add')}
        </button>
      </p>
      {policies?.length === 0 && <p>{t('policies.none')}</p>}
      {policies !== undefined && policies.length > 0 && (
        <Table
          heads={[...FIELDS.map((f) => t(`policies.fields.${f}`)), t('policies.version'), t('tills.actions')]}
        >
          {policies.map((p) => (
            <tr key={p.country} data-country={p.country}>
              {FIELDS.map((f) => (
                <td key={f} className={typeof p[f] === 'number' ? 'number' : undefined}>
                  {show(f, p)}
                </td>
              ))}
              <td className="number">{p.version}</td>
              <RowAction
                show
                name={t('policies.editOne', { country: p.country })}
                text={t('policies.edit')}
                onClick={() => setEditing(p)}
              />
            </tr>
          ))}
        </Table>
      )}

      {editing !== undefined && (
        <section aria-labelledby="policy-form" className="panel">
          <h2 id="policy-form">{country ? t('policies.editTitle', { country }) : t('policies.newTitle')}</h2>
          <PolicyForm
            key={country ?? 'new'}
            policy={editing}
            onSaved={(p) => {
              setNotice(t('policies.saved', { country: p.country, version: p.version }));
              setEditing(p);
              load();
            }}
          />
          <button type="button" onClick={() => setEditing(undefined)}>
            {t('people.close')}
          </button>
        </section>
      )}

      {country !== undefined && history !== undefined && (
        <section aria-labelledby="policy-history">
          <h2 id="policy-history">{t('policies.history', { country })}</h2>
          {history.length === 0 ? (
            <p>{t('policies.noHistory')}</p>
          ) : (
            <Table
              heads={[t('policies.when'), t('policies.who'), t('policies.version'), t('policies.changes')]}
            >
              {history.map((c) => (
                <ChangeRow key={c.version} change={c} />
              ))}
            </Table>
          )}
        </section>
      )}
    </>
  );
}
