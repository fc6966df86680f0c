import { useTranslation } from 'react-i18next';
import type { ConsoleSession } from '../../protocol/http/console';
import { api } from '../api';
import { Field, Form, text } from '../components/Form';

export function SignInPage({
  onSignedIn,
  notice,
}: {
  onSignedIn: (s: ConsoleSession) => void;
  notice?: string;
}) {
  const { t } = useTranslation();
  return (
    <main className="entry">
      <h1>{t('signIn.title')}</h1>
      {notice && <p role="status">{notice}</p>}
      <Form
        label={t('signIn.title')}
        submit={t('signIn.submit')}
        onSubmit={async (data) =>
          onSignedIn(
            await api<ConsoleSession>('POST', '/console/session', {
              email: text(data, 'email'),
              password: text(data, 'password'),
            }),
          )
        }
      >
        <Field label={t('signIn.email')} name="email" type="email" autoComplete="username" />
        <Field label={t('signIn.password')} name="password" type="password" autoComplete="current-password" />
      </Form>
    </main>
  );
}
