import { useTranslation } from 'react-i18next';
import { api } from '../api';
import { Field, Form, text } from '../components/Form';

/** An invitation or a password reset: the user chooses their password. */
export function AcceptLinkPage({ token, onDone }: { token: string; onDone: (email: string) => void }) {
  const { t } = useTranslation();
  return (
    <main className="entry">
      <h1>{t('link.title')}</h1>
      <p>{t('link.intro')}</p>
      <Form
        label={t('link.title')}
        submit={t('link.submit')}
        onSubmit={async (data) => {
          const { email } = await api<{ email: string }>('POST', '/console/links/accept', {
            token,
            password: text(data, 'password'),
          });
          onDone(email);
        }}
      >
        <Field label={t('link.password')} name="password" type="password" autoComplete="new-password" />
      </Form>
    </main>
  );
}
