import type { TFunction, i18n as I18n } from 'i18next';
import { useTranslation } from 'react-i18next';
import { CARD_DATA_FIELD_MESSAGE } from '../../protocol/http/common';
import { ApiError } from '../api';

/** One entry of a refusal's `details`: a field (`path`) or a CSV line's `column`, and why. */
export interface Issue {
  path?: string;
  /** A CSV line (1-based, the header is line 1). */
  line?: number;
  column?: string | null;
  code: string;
  message: string;
}

const isIssue = (x: unknown): x is Issue =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as Issue).code === 'string' &&
  typeof (x as Issue).message === 'string';

/** The `details` of a refusal when they are field or line issues (VALIDATION_FAILED, CATALOG_CSV_INVALID). */
export const issuesOf = (error: unknown): Issue[] =>
  error instanceof ApiError && Array.isArray(error.details) ? error.details.filter(isIssue) : [];

/** The schemas' own words for a `custom` refusal (protocol/http), by what they say. */
const CUSTOM_REASONS: Record<string, string> = {
  'a quick key needs a category_id': 'quick_key_needs_category',
  'each barcode once': 'barcode_twice',
  'unknown currency code': 'unknown_currency',
};

/**
 * Why the server refused one field, in the user's language: by its code (`reasons.<code>`), card data
 * by the server's fixed message; else the server's own (English) words.
 */
export function reasonText(t: TFunction, i18n: I18n, issue: Issue): string {
  if (issue.message === CARD_DATA_FIELD_MESSAGE) return t('reasons.card_data');
  const key = `reasons.${CUSTOM_REASONS[issue.message] ?? issue.code}`;
  return i18n.exists(key) ? t(key) : issue.message;
}

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
  const fields = err.code === 'VALIDATION_FAILED' || err.code === 'CONTROL_CHARACTERS' ? issuesOf(err) : [];
  return (
    <div role="alert" className="error" data-code={err.code}>
      <p>
        {text} <span className="code">{t('errors.code', { code: err.code })}</span>
      </p>
      {fields.length > 0 && (
        <ul>
          {fields.map((issue, i) => (
            <li key={i} title={issue.message}>
              <span className="code">{issue.path}</span> {reasonText(t, i18n, issue)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
