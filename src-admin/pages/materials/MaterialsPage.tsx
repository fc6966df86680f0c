import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClassList, MaterialList, MaterialRecord } from '../../../protocol/http';
import { api, ApiError } from '../../api';
import { FormDialog } from '../../components/Dialog';
import { ErrorNote } from '../../components/ErrorNote';
import { Notice } from '../../components/Notice';
import { Table } from '../../components/Table';
import { When } from '../../components/When';
import type { PageProps } from '../../page-props';
import { SelectField } from '../catalog/SelectField';
import { useList } from '../use-list';
import { emailsIn, fileSize } from './format';
import { JobState } from './JobState';
import { Licences } from './Licences';
import { UploadForm } from './UploadForm';

/**
 * Materials (issue #19, item 9), a teacher's page: upload with a progress bar, each encryption job
 * live, grants to a class or to students by email, and each material's licences with revoke.
 */
export function MaterialsPage({ session, routes }: PageProps) {
  const { t, i18n } = useTranslation();
  const {
    items: materials,
    error,
    load,
  } = useList('/api/v1/offline/materials', (b: MaterialList) => b.materials);
  const { items: classes } = useList('/api/v1/offline/classes', (b: ClassList) => b.classes);
  const [granting, setGranting] = useState<MaterialRecord>();
  const [shown, setShown] = useState<MaterialRecord>();
  const [notice, setNotice] = useState<string>();

  return (
    <>
      <h1>{t('materials.title')}</h1>
      <p>{t('materials.intro')}</p>
      <Notice text={notice} />
      <UploadForm
        csrf={session.csrf_token}
        onUploaded={({ material }) => {
          setNotice(t('materials.uploaded', { title: material.title }));
          load();
        }}
      />
      <ErrorNote error={error} />
      {materials?.length === 0 && <p>{t('materials.none')}</p>}
      {materials !== undefined && materials.length > 0 && (
        <Table
          heads={[
            t('materials.titleField'),
            t('materials.type'),
            t('materials.size'),
            t('materials.uploadedAt'),
            t('materials.encryption'),
            t('materials.actions'),
          ]}
        >
          {materials.map((m) => (
            <tr key={m.material_id} data-material-id={m.material_id} data-title={m.title}>
              <td>{m.title}</td>
              <td>{t(`materials.types.${m.content_type}`)}</td>
              <td className="number">{fileSize(m.plaintext_size, i18n.language)}</td>
              <td>
                <When iso={m.created_at} never="" />
              </td>
              <td>
                <JobState material={m} onSettled={load} />
              </td>
              <td className="actions">
                <button
                  type="button"
                  aria-label={t('materials.grantOne', { title: m.title })}
                  onClick={() => setGranting(m)}
                >
                  {t('materials.grant')}
                </button>
                <button
                  type="button"
                  aria-label={t('materials.licencesOne', { title: m.title })}
                  aria-pressed={shown?.material_id === m.material_id}
                  onClick={() => setShown(shown?.material_id === m.material_id ? undefined : m)}
                >
                  {t('materials.licences')}
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
      {shown && <Licences key={shown.material_id} material={shown} />}

      {granting && (
        <FormDialog
          title={t('materials.grantTitle', { title: granting.title })}
          submit={t('materials.grantSubmit')}
          onClose={() => setGranting(undefined)}
          errorTexts={{ NOTHING_CHOSEN: t('materials.grantNothing') }}
          onSubmit={async (data) => {
            const classId = String(data.get('class_id') ?? '');
            const emails = emailsIn(String(data.get('emails') ?? ''));
            if (classId === '' && emails.length === 0)
              throw new ApiError(0, 'NOTHING_CHOSEN', 'Choose a class or type emails');
            const said: string[] = [];
            if (classId !== '') {
              await api('POST', `/api/v1/offline/classes/${classId}/materials`, {
                material_id: granting.material_id,
              });
              const name = classes?.find((c) => c.class_id === classId)?.name ?? '';
              said.push(t('materials.grantedClass', { name }));
            }
            if (emails.length > 0) {
              await api('POST', `/api/v1/offline/materials/${granting.material_id}/grants`, { emails });
              said.push(t('materials.grantedEmails', { count: emails.length }));
            }
            setGranting(undefined);
            setNotice(`${t('materials.granted', { title: granting.title })} ${said.join(' ')}`);
          }}
        >
          {classes !== undefined && classes.length === 0 ? (
            <p>
              {routes.includes('classes') ? (
                <a href="#/classes">{t('materials.noClassYet')}</a>
              ) : (
                t('materials.noClassYet')
              )}
            </p>
          ) : (
            <SelectField
              label={t('materials.grantClass')}
              name="class_id"
              options={[
                { value: '', label: t('materials.noClass') },
                ...(classes ?? []).map((c) => ({
                  value: c.class_id,
                  label: t('materials.classOption', { name: c.name, count: c.members.length }),
                  disabled: c.material_ids.includes(granting.material_id),
                })),
              ]}
            />
          )}
          <label className="field">
            <span>{t('materials.grantEmails')}</span>
            <textarea name="emails" rows={3} autoComplete="off" />
          </label>
        </FormDialog>
      )}
    </>
  );
}
