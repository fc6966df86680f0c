import { useTranslation } from 'react-i18next';
import { ApiError } from '../api';

/**
 * The server's refusal in the user's language, with its own code (what support asks for). `texts`
 * words a code for this form (e.g. VALIDATION_FAILED, whose fields differ between forms).
 */
export function ErrorNote({ error, texts }: { error: unknown; texts?: Readonly<Record<string, string>> }) {
  const { t, i18n } = useTranslation();
  if (error === undefined) return null;
  const err = error instanceof ApiError ? error : new ApiError(0, 'INTERNAL', String(error));
  const key = `errors.${err.code}`;
  const text =
    texts?.[err.code] ?? (i18n.exists(key) ? t(key) : t('errors.unknown', { message: err.message }));
  return (
    <p role="alert" className="error" data-code={err.code}>
      {text} <span className="code">{t('errors.code', { code: err.code })}</span>
    </p>
  );
}
