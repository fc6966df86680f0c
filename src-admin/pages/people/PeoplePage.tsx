import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ROLES, type Role } from '../../../protocol/http/common';
import type { PersonRecord, UserLink } from '../../../protocol/http/console';
import { api } from '../../api';
import { Dialog, FormDialog } from '../../components/Dialog';
import { ErrorNote } from '../../components/ErrorNote';
import { Field, text } from '../../components/Form';
import type { PageProps } from '../../page-props';

type Shown = { kind: 'invite' | 'reset'; email: string; link: UserLink };

/** The link a person opens to set their password (the token stays in the fragment: never logged). */
const linkUrl = (token: string) => `${location.origin}/admin/#link=${token}`;

function RoleBoxes({ checked, legend }: { checked: readonly Role[]; legend: string }) {
  const { t } = useTranslation();
  return (
    <fieldset className="roles">
      <legend>{legend}</legend>
      {ROLES.map((role) => (
        <label key={role}>
          <input type="checkbox" name="roles" value={role} defaultChecked={checked.includes(role)} />
          {t(`roles.${role}`)}
        </label>
      ))}
    </fieldset>
  );
}

const rolesOf = (data: FormData) => data.getAll('roles').map(String) as Role[];

export function PeoplePage({ session }: PageProps) {
  const { t, i18n } = useTranslation();
  const [people, setPeople] = useState<PersonRecord[]>([]);
  const [error, setError] = useState<unknown>();
  const [shown, setShown] = useState<Shown>();
  const [editing, setEditing] = useState<PersonRecord>();
  const [inviting, setInviting] = useState(false);

  const load = useCallback(() => {
    api<{ users: PersonRecord[] }>('GET', '/console/users').then(
      (r) => setPeople(r.users),
      (err: unknown) => setError(err),
    );
  }, []);
  useEffect(load, [load]);

  const act = (fn: () => Promise<unknown>) => {
    setError(undefined);
    fn().then(load, (err: unknown) => setError(err));
  };
  const when = (iso: string) =>
    new Date(iso).toLocaleString(i18n.language, { dateStyle: 'long', timeStyle: 'short' });

  return (
    <>
      <h1>{t('people.title')}</h1>
      <p>
        <button type="button" onClick={() => setInviting(true)}>
          {t('people.invite')}
        </button>
      </p>
      <ErrorNote error={error} />
      <div className="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('people.email')}</th>
              <th scope="col">{t('people.roles')}</th>
              <th scope="col">{t('people.status')}</th>
              <th scope="col">{t('people.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {people.map((p) => (
              <tr key={p.id} data-email={p.email}>
                <td>
                  {p.email} {p.id === session.user.id && t('people.you')}
                </td>
                <td>{p.roles.map((r) => t(`roles.${r}`)).join(', ')}</td>
                <td>{t(`people.statuses.${p.status}`)}</td>
                <td className="actions">
                  <button type="button" onClick={() => setEditing(p)}>
                    {t('people.editRoles')}
                  </button>
                  <button
                    type="button"
                    onClick={() =>
                      act(() =>
                        api('POST', `/console/users/${p.id}/status`, { disabled: p.status !== 'disabled' }),
                      )
                    }
                  >
                    {p.status === 'disabled' ? t('people.enable') : t('people.disable')}
                  </button>
                  <button
                    type="button"
                    onClick={() =>
                      act(async () =>
                        setShown({
                          kind: 'reset',
                          email: p.email,
                          link: await api<UserLink>('POST', `/console/users/${p.id}/reset-link`),
                        }),
                      )
                    }
                  >
                    {t('people.reset')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {inviting && (
        <FormDialog
          title={t('people.invite')}
          submit={t('people.inviteSubmit')}
          onClose={() => setInviting(false)}
          onSubmit={async (data) => {
            const res = await api<{ user: PersonRecord; link: UserLink }>('POST', '/console/users', {
              email: text(data, 'email'),
              roles: rolesOf(data),
            });
            setInviting(false);
            setShown({ kind: 'invite', email: res.user.email, link: res.link });
            load();
          }}
        >
          <Field label={t('people.email')} name="email" type="email" autoComplete="off" />
          <RoleBoxes checked={[]} legend={t('people.roles')} />
        </FormDialog>
      )}

      {editing && (
        <FormDialog
          title={t('people.rolesFor', { email: editing.email })}
          submit={t('people.saveRoles')}
          onClose={() => setEditing(undefined)}
          onSubmit={async (data) => {
            await api('POST', `/console/users/${editing.id}/roles`, { roles: rolesOf(data) });
            setEditing(undefined);
            load();
          }}
        >
          <RoleBoxes checked={editing.roles} legend={t('people.roles')} />
        </FormDialog>
      )}

      {shown && (
        <Dialog title={t('people.linkTitle', { email: shown.email })} onClose={() => setShown(undefined)}>
          <p>
            {t(shown.kind === 'invite' ? 'people.inviteLinkIntro' : 'people.resetLinkIntro', {
              expires: when(shown.link.expires_at),
            })}
          </p>
          <p>
            <output className="link" data-testid="person-link">
              {linkUrl(shown.link.token)}
            </output>
          </p>
          <button
            type="button"
            onClick={() => void navigator.clipboard?.writeText(linkUrl(shown.link.token))}
          >
            {t('people.copy')}
          </button>
          <button type="button" onClick={() => setShown(undefined)}>
            {t('people.close')}
          </button>
        </Dialog>
      )}
    </>
  );
}
