import { useTranslation } from 'react-i18next';
import type { UserSummary } from '../../protocol/http/auth';
import { api } from '../api';
import { Field, Form, text } from '../components/Form';

/** First run: the page of the setup link the server logs while no user exists. */
export function SetupPage({ token, onDone }: { token: string; onDone: (email: string) => void }) {
  const { t } = useTranslation();
  return (
    <main className="entry">
      <h1>{t('setup.title')}</h1>
      <p>{t('setup.intro')}</p>
      <Form
        label={t('setup.title')}
        submit={t('setup.submit')}
        onSubmit={async (data) => {
          const user = await api<UserSummary>('POST', '/console/setup', {
            token,
            email: text(data, 'email'),
            password: text(data, 'password'),
          });
          onDone(user.email);
        }}
      >
        <Field label={t('setup.email')} name="email" type="email" autoComplete="username" />
        <Field label={t('setup.password')} name="password" type="password" autoComplete="new-password" />
      </Form>
    </main>
  );
}
