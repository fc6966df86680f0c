import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TENANT_TYPES } from '../../../protocol/http/common';
import type { EnrollmentCodeList, EnrollmentCodeRecord } from '../../../protocol/http/back-office';
import type { EnrollmentCodeRequest, EnrollmentCodeResponse } from '../../../protocol/http/devices';
import { api } from '../../api';
import { Dialog, FormDialog } from '../../components/Dialog';
import { ErrorNote } from '../../components/ErrorNote';
import { Field, Form, text } from '../../components/Form';
import { Notice } from '../../components/Notice';
import { QrCode } from '../../components/QrCode';
import { RowAction, Table } from '../../components/Table';
import { When } from '../../components/When';
import { absoluteTime } from '../../format';
import type { PageProps } from '../../page-props';
import { useList } from '../use-list';

type Issued = EnrollmentCodeResponse & { tenant: string };

/**
 * Enrollment codes (issue #19, item 4): a pay_admin issues one for a tenant and sees it once, as
 * text and as the QR a till's scanner types into its enrollment field (`qr_payload`); the list of
 * codes not redeemed, with their state; revoking an unused one.
 */
export function EnrollmentPage({ session }: PageProps) {
  const { t, i18n } = useTranslation();
  const {
    items: codes,
    error,
    load,
  } = useList('/offline/enrollment-codes', (b: EnrollmentCodeList) => b.codes);
  const [issued, setIssued] = useState<Issued>();
  const [revoking, setRevoking] = useState<EnrollmentCodeRecord>();
  const [notice, setNotice] = useState<string>();
  const mayChange = session.user.roles.includes('pay_admin');
  const tenantOf = (c: { tenant_type: string; tenant_id: string }) =>
    `${t(`tenantTypes.${c.tenant_type}`)} ${c.tenant_id}`;
  const labelOf = (c: EnrollmentCodeRecord) => c.label ?? tenantOf(c);

  return (
    <>
      <h1>{t('enrollment.title')}</h1>
      <p>{t('enrollment.intro')}</p>
      <Notice text={notice} />
      {mayChange && (
        <section aria-labelledby="issue-code">
          <h2 id="issue-code">{t('enrollment.issue')}</h2>
          <Form
            label={t('enrollment.issue')}
            submit={t('enrollment.issueSubmit')}
            errorTexts={{ VALIDATION_FAILED: t('enrollment.invalid') }}
            onSubmit={async (data) => {
              const request: EnrollmentCodeRequest = {
                tenant_type: text(data, 'tenant_type') as EnrollmentCodeRequest['tenant_type'],
                tenant_id: text(data, 'tenant_id').trim(),
                country: text(data, 'country').trim().toUpperCase(),
                currency_default: text(data, 'currency').trim().toUpperCase(),
                expires_in_hours: Number(text(data, 'expires_in_hours')),
                ...(text(data, 'label').trim() ? { label: text(data, 'label').trim() } : {}),
              };
              const res = await api<EnrollmentCodeResponse>('POST', '/offline/enrollment-codes', request);
              setIssued({ ...res, tenant: tenantOf(request) });
              load();
            }}
          >
            <div className="grid">
              <label className="field">
                <span>{t('enrollment.tenantType')}</span>
                <select name="tenant_type" defaultValue="merchant">
                  {TENANT_TYPES.map((type) => (
                    <option key={type} value={type}>
                      {t(`tenantTypes.${type}`)}
                    </option>
                  ))}
                </select>
              </label>
              <Field label={t('enrollment.tenantId')} name="tenant_id" autoComplete="off" />
              <Field label={t('enrollment.country')} name="country" autoComplete="off" />
              <Field label={t('enrollment.currency')} name="currency" autoComplete="off" />
              <Field
                label={t('enrollment.expiresIn')}
                name="expires_in_hours"
                type="number"
                defaultValue="72"
                inputMode="numeric"
              />
              <Field label={t('enrollment.label')} name="label" autoComplete="off" optional />
            </div>
          </Form>
        </section>
      )}

      <h2>{t('enrollment.list')}</h2>
      <ErrorNote error={error} />
      {codes?.length === 0 && <p>{t('enrollment.none')}</p>}
      {codes !== undefined && codes.length > 0 && (
        <Table
          heads={[
            t('enrollment.labelHead'),
            t('enrollment.tenant'),
            t('enrollment.countryCurrency'),
            t('enrollment.state'),
            t('enrollment.created'),
            t('enrollment.expires'),
            mayChange && t('tills.actions'),
          ]}
        >
          {codes.map((c) => (
            <tr key={c.id} data-code-id={c.id}>
              <td>{labelOf(c)}</td>
              <td>{tenantOf(c)}</td>
              <td>
                {c.country} · {c.currency_default}
              </td>
              <td>{t(`enrollment.states.${c.state}`)}</td>
              <td>
                <When iso={c.created_at} never="" />
              </td>
              <td>
                <When iso={c.expires_at} never="" />
              </td>
              {mayChange && (
                <RowAction
                  show={c.state === 'unused'}
                  name={t('enrollment.revokeOne', { label: labelOf(c) })}
                  text={t('enrollment.revoke')}
                  onClick={() => setRevoking(c)}
                />
              )}
            </tr>
          ))}
        </Table>
      )}

      {issued && (
        <Dialog
          title={t('enrollment.issuedTitle', { tenant: issued.tenant })}
          onClose={() => setIssued(undefined)}
        >
          <p>{t('enrollment.issuedIntro', { expires: absoluteTime(issued.expires_at, i18n.language) })}</p>
          <p>
            <output className="enrollment-code" data-testid="enrollment-code">
              {issued.code}
            </output>
          </p>
          <QrCode text={issued.qr_payload} label={t('enrollment.qr', { code: issued.code })} />
          <p className="hint">{t('enrollment.onceOnly')}</p>
          <button type="button" onClick={() => setIssued(undefined)}>
            {t('people.close')}
          </button>
        </Dialog>
      )}

      {revoking && (
        <FormDialog
          title={t('enrollment.revokeTitle', { label: labelOf(revoking) })}
          submit={t('enrollment.revokeSubmit')}
          onClose={() => setRevoking(undefined)}
          onSubmit={async () => {
            await api('DELETE', `/offline/enrollment-codes/${revoking.id}`);
            setRevoking(undefined);
            setNotice(t('enrollment.revoked', { label: labelOf(revoking) }));
            load();
          }}
        >
          <p>{t('enrollment.revokeWhat')}</p>
        </FormDialog>
      )}
    </>
  );
}
