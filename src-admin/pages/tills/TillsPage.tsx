import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TillList, TillRecord } from '../../../protocol/http/back-office';
import { api } from '../../api';
import { FormDialog } from '../../components/Dialog';
import { ErrorNote } from '../../components/ErrorNote';
import { Field, text } from '../../components/Form';
import { Notice } from '../../components/Notice';
import { RowAction, Table } from '../../components/Table';
import { When } from '../../components/When';
import { clockOffset } from '../../format';
import type { PageProps } from '../../page-props';
import { useList } from '../use-list';

/** Tills (issue #19, item 4): each till's standing; a pay_admin revokes one after saying why. */
export function TillsPage({ session, routes }: PageProps) {
  const { t, i18n } = useTranslation();
  const { items: tills, error, load } = useList('/offline/tills', (b: TillList) => b.tills);
  const [revoking, setRevoking] = useState<TillRecord>();
  const [notice, setNotice] = useState<string>();
  const mayRevoke = session.user.roles.includes('pay_admin');
  const nameOf = (till: TillRecord) => till.name ?? till.device_id;

  return (
    <>
      <h1>{t('tills.title')}</h1>
      <Notice text={notice} />
      <ErrorNote error={error} />
      {tills?.length === 0 && (
        <div className="empty">
          <p>{t('tills.empty')}</p>
          <ol>
            <li>
              {routes.includes('enrollment') ? (
                <a href="#/enrollment">{t('tills.emptyStep1')}</a>
              ) : (
                t('tills.emptyStep1')
              )}
            </li>
            <li>{t('tills.emptyStep2')}</li>
            <li>{t('tills.emptyStep3')}</li>
          </ol>
        </div>
      )}
      {tills !== undefined && tills.length > 0 && (
        <Table
          heads={[
            t('tills.till'),
            t('tills.tenant'),
            t('tills.lastSeen'),
            t('tills.lastSeq'),
            t('tills.pending'),
            t('tills.held'),
            t('tills.clock'),
            t('tills.status'),
            mayRevoke && t('tills.actions'),
          ]}
        >
          {tills.map((till) => {
            const offset =
              till.clock_offset_ms === null ? undefined : clockOffset(till.clock_offset_ms, i18n.language);
            return (
              <tr key={till.device_id} data-device-id={till.device_id}>
                <td>
                  {nameOf(till)}
                  {till.name !== null && <small className="code">{till.device_id}</small>}
                </td>
                <td>
                  {t(`tenantTypes.${till.tenant_type}`)} {till.tenant_id}
                  {till.country !== null && <small>{till.country}</small>}
                </td>
                <td>
                  <When iso={till.last_seen_at} never={t('tills.never')} />
                </td>
                <td className="number">{till.last_seq.toLocaleString(i18n.language)}</td>
                <td className="number">{till.pending_bundles.toLocaleString(i18n.language)}</td>
                <td>
                  {t('tills.heldCounts', {
                    review: till.held_bundles.review,
                    quarantined: till.held_bundles.quarantined,
                  })}
                </td>
                <td className={offset?.large ? 'warn' : undefined}>
                  {offset === undefined ? t('tills.never') : offset.text}
                  {offset?.large && <small>{t('tills.clockLarge')}</small>}
                </td>
                <td>{t(`tills.statuses.${till.status}`)}</td>
                {mayRevoke && (
                  <RowAction
                    show={till.status === 'active'}
                    name={t('tills.revokeOne', { name: nameOf(till) })}
                    text={t('tills.revoke')}
                    onClick={() => setRevoking(till)}
                  />
                )}
              </tr>
            );
          })}
        </Table>
      )}

      {revoking && (
        <FormDialog
          title={t('tills.revokeTitle', { name: nameOf(revoking) })}
          submit={t('tills.revokeSubmit')}
          onClose={() => setRevoking(undefined)}
          errorTexts={{ VALIDATION_FAILED: t('tills.reasonInvalid') }}
          onSubmit={async (data) => {
            await api('POST', `/offline/tills/${encodeURIComponent(revoking.device_id)}/revoke`, {
              reason: text(data, 'reason'),
            });
            setRevoking(undefined);
            setNotice(t('tills.revoked', { name: nameOf(revoking) }));
            load();
          }}
        >
          <p>{t('tills.revokeWhat')}</p>
          <Field label={t('tills.reason')} name="reason" autoComplete="off" />
        </FormDialog>
      )}
    </>
  );
}
