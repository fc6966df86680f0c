import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClassDeleted, ClassList, ClassRecord, MaterialList } from '../../../protocol/http';
import { api } from '../../api';
import { FormDialog } from '../../components/Dialog';
import { ErrorNote } from '../../components/ErrorNote';
import { Field, text } from '../../components/Form';
import { Notice } from '../../components/Notice';
import type { PageProps } from '../../page-props';
import { emailsIn } from '../materials/format';
import { useList } from '../use-list';

/** What a confirmed change is: its dialog's words and the request it makes. */
interface Pending {
  title: string;
  what: string;
  submit: string;
  run: () => Promise<string>;
}

/**
 * Classes (issue #19, item 9), a teacher's page: a class is a name and its students' emails. A
 * material granted to it (from Materials) reaches every member, those added later too; removing a
 * student, withdrawing a material or deleting the class revokes, after a confirmation, what came only
 * through the class.
 */
export function ClassesPage({ routes }: PageProps) {
  const { t } = useTranslation();
  const { items: classes, error, load } = useList('/api/v1/offline/classes', (b: ClassList) => b.classes);
  const { items: materials } = useList('/api/v1/offline/materials', (b: MaterialList) => b.materials);
  const [creating, setCreating] = useState(false);
  const [adding, setAdding] = useState<ClassRecord>();
  const [pending, setPending] = useState<Pending>();
  const [notice, setNotice] = useState<string>();
  const titleOf = (id: string) => materials?.find((m) => m.material_id === id)?.title ?? id;

  const removeStudent = (c: ClassRecord, email: string): Pending => ({
    title: t('classes.removeTitle', { email, name: c.name }),
    what: t('classes.removeWhat', { count: c.material_ids.length }),
    submit: t('classes.removeSubmit'),
    run: async () => {
      const res = await api<{ licenses_revoked: number }>(
        'DELETE',
        `/api/v1/offline/classes/${c.class_id}/members`,
        { emails: [email] },
      );
      return t('classes.removed', { email, name: c.name, count: res.licenses_revoked });
    },
  });
  const withdraw = (c: ClassRecord, materialId: string): Pending => ({
    title: t('classes.withdrawTitle', { title: titleOf(materialId), name: c.name }),
    what: t('classes.withdrawWhat'),
    submit: t('classes.withdrawSubmit'),
    run: async () => {
      const res = await api<{ licenses_revoked: number }>(
        'DELETE',
        `/api/v1/offline/classes/${c.class_id}/materials/${materialId}`,
      );
      return t('classes.withdrawn', { title: titleOf(materialId), count: res.licenses_revoked });
    },
  });
  const remove = (c: ClassRecord): Pending => ({
    title: t('classes.deleteTitle', { name: c.name }),
    what: t('classes.deleteWhat'),
    submit: t('classes.deleteSubmit'),
    run: async () => {
      const res = await api<ClassDeleted>('DELETE', `/api/v1/offline/classes/${c.class_id}`);
      return t('classes.deleted', { name: c.name, count: res.licenses_revoked });
    },
  });

  return (
    <>
      <h1>{t('classes.title')}</h1>
      <p>{t('classes.intro')}</p>
      <p>
        <button type="button" onClick={() => setCreating(true)}>
          {t('classes.create')}
        </button>
      </p>
      <Notice text={notice} />
      <ErrorNote error={error} />
      {classes?.length === 0 && <p>{t('classes.none')}</p>}
      {classes?.map((c) => (
        <section key={c.class_id} aria-label={c.name} data-class-id={c.class_id} className="panel">
          <h2>{c.name}</h2>
          <h3>{t('classes.students', { count: c.members.length })}</h3>
          <ul className="members">
            {c.members.map((email) => (
              <li key={email}>
                {email}{' '}
                <button
                  type="button"
                  aria-label={t('classes.removeOne', { email, name: c.name })}
                  onClick={() => setPending(removeStudent(c, email))}
                >
                  {t('classes.remove')}
                </button>
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => setAdding(c)}>
            {t('classes.addStudents')}
          </button>
          <h3>{t('classes.materials')}</h3>
          {c.material_ids.length === 0 ? (
            <p>
              {routes.includes('materials') ? (
                <a href="#/materials">{t('classes.noMaterial')}</a>
              ) : (
                t('classes.noMaterial')
              )}
            </p>
          ) : (
            <ul>
              {c.material_ids.map((id) => (
                <li key={id}>
                  {titleOf(id)}{' '}
                  <button
                    type="button"
                    aria-label={t('classes.withdrawOne', { title: titleOf(id), name: c.name })}
                    onClick={() => setPending(withdraw(c, id))}
                  >
                    {t('classes.withdraw')}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <p>
            <button
              type="button"
              className="danger"
              aria-label={t('classes.deleteOne', { name: c.name })}
              onClick={() => setPending(remove(c))}
            >
              {t('classes.deleteClass')}
            </button>
          </p>
        </section>
      ))}

      {creating && (
        <FormDialog
          title={t('classes.create')}
          submit={t('classes.createSubmit')}
          onClose={() => setCreating(false)}
          onSubmit={async (data) => {
            const created = await api<ClassRecord>('POST', '/api/v1/offline/classes', {
              name: text(data, 'name'),
              emails: emailsIn(text(data, 'emails')),
            });
            setCreating(false);
            setNotice(t('classes.created', { name: created.name, count: created.members.length }));
            load();
          }}
        >
          <Field label={t('classes.name')} name="name" autoComplete="off" />
          <label className="field">
            <span>{t('classes.emails')}</span>
            <textarea name="emails" rows={5} autoComplete="off" />
          </label>
        </FormDialog>
      )}

      {adding && (
        <FormDialog
          title={t('classes.addTitle', { name: adding.name })}
          submit={t('classes.addSubmit')}
          onClose={() => setAdding(undefined)}
          onSubmit={async (data) => {
            const res = await api<{ added: number }>(
              'POST',
              `/api/v1/offline/classes/${adding.class_id}/members`,
              {
                emails: emailsIn(text(data, 'emails')),
              },
            );
            setAdding(undefined);
            setNotice(t('classes.added', { name: adding.name, count: res.added }));
            load();
          }}
        >
          <label className="field">
            <span>{t('classes.emails')}</span>
            <textarea name="emails" rows={5} required autoComplete="off" />
          </label>
        </FormDialog>
      )}

      {pending && (
        <FormDialog
          title={pending.title}
          submit={pending.submit}
          onClose={() => setPending(undefined)}
          onSubmit={async () => {
            const said = await pending.run();
            setPending(undefined);
            setNotice(said);
            load();
          }}
        >
          <p>{pending.what}</p>
        </FormDialog>
      )}
    </>
  );
}
