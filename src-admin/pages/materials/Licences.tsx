import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MaterialLicenceList, MaterialLicenceRecord, MaterialRecord } from '../../../protocol/http';
import { api } from '../../api';
import { FormDialog } from '../../components/Dialog';
import { ErrorNote } from '../../components/ErrorNote';
import { Field, text } from '../../components/Form';
import { Notice } from '../../components/Notice';
import { RowAction, Table } from '../../components/Table';
import { When } from '../../components/When';
import { useList } from '../use-list';

/**
 * One material's licences (issue #19, item 9): who, which laptop, issued, expiry, offline grace and
 * state; revoking one says first what happens on the laptop.
 */
export function Licences({ material }: { material: MaterialRecord }) {
  const { t } = useTranslation();
  const { items, error, load } = useList(
    `/api/v1/offline/materials/${material.material_id}/licenses`,
    (b: MaterialLicenceList) => b.licences,
  );
  const [revoking, setRevoking] = useState<MaterialLicenceRecord>();
  const [notice, setNotice] = useState<string>();
  const who = (l: MaterialLicenceRecord) => l.user_email ?? t('materials.unknownStudent');
  const laptop = (l: MaterialLicenceRecord) => l.device_name ?? l.device_id;

  return (
    <section aria-label={t('materials.licencesOf', { title: material.title })}>
      <h2>{t('materials.licencesOf', { title: material.title })}</h2>
      <Notice text={notice} />
      <ErrorNote error={error} />
      {items?.length === 0 && <p>{t('materials.noLicences')}</p>}
      {items !== undefined && items.length > 0 && (
        <Table
          heads={[
            t('materials.student'),
            t('materials.laptop'),
            t('materials.issued'),
            t('materials.expires'),
            t('materials.grace'),
            t('materials.status'),
            t('materials.actions'),
          ]}
        >
          {items.map((l) => (
            <tr key={l.license_id} data-licence-id={l.license_id} data-email={l.user_email}>
              <td>{who(l)}</td>
              <td>
                {laptop(l)}
                {l.device_name !== null && <small className="code">{l.device_id}</small>}
              </td>
              <td>
                <When iso={l.issued_at} never="" />
              </td>
              <td>
                <When iso={l.expires_at} never="" />
              </td>
              <td>
                {l.offline_grace_hours === null
                  ? '—'
                  : t('materials.graceHours', { count: l.offline_grace_hours })}
              </td>
              <td data-testid="licence-status" data-state={l.status}>
                {t(`materials.licenceStates.${l.status}`)}
                {l.revoke_reason !== null && <small>{l.revoke_reason}</small>}
              </td>
              <RowAction
                show={l.status === 'ready' || l.status === 'active'}
                name={t('materials.revokeOne', { email: who(l), laptop: laptop(l) })}
                text={t('materials.revoke')}
                onClick={() => setRevoking(l)}
              />
            </tr>
          ))}
        </Table>
      )}

      {revoking && (
        <FormDialog
          title={t('materials.revokeTitle', { email: who(revoking), title: material.title })}
          submit={t('materials.revokeSubmit')}
          onClose={() => setRevoking(undefined)}
          errorTexts={{ VALIDATION_FAILED: t('materials.reasonInvalid') }}
          onSubmit={async (data) => {
            await api('POST', `/api/v1/offline/licenses/${revoking.license_id}/revoke`, {
              reason: text(data, 'reason'),
            });
            setRevoking(undefined);
            setNotice(t('materials.revoked', { laptop: laptop(revoking), title: material.title }));
            load();
          }}
        >
          <p>
            {t('materials.revokeWhat', {
              laptop: laptop(revoking),
              hours: t('materials.graceHours', { count: revoking.offline_grace_hours ?? 72 }),
            })}
          </p>
          <Field label={t('materials.reason')} name="reason" autoComplete="off" />
        </FormDialog>
      )}
    </section>
  );
}
