import type { TFunction } from 'i18next';
import { isErrorCode, type ApiError } from '../../protocol/api';

/** The figures a refusal's details give its text (`{{neededMb}}`, `{{directory}}`): plain values only. */
type TextValues = Record<string, string | number>;

/**
 * The text of a code in the user's language: every listed code has one in en and fr (checked at
 * compile time, protocol/api/error-codes.ts); an unlisted one (a newer server's) keeps `fallback`.
 */
export function codeText(
  t: TFunction,
  code: string | null | undefined,
  fallback: string,
  values?: TextValues,
): string {
  if (!code || !isErrorCode(code)) return fallback;
  // Under `replace`, so a detail named like an option of i18next (count, lng…) is only a value.
  return values ? t(`errorCodes.${code}`, { replace: values }) : t(`errorCodes.${code}`);
}

/** A refusal in the user's language when we know its code; otherwise the message the core gave. */
export function errorText(t: TFunction, error: ApiError | Error): string {
  return codeText(t, 'code' in error ? String(error.code) : '', error.message, textValues(error));
}

function textValues(error: ApiError | Error): TextValues | undefined {
  const details: unknown = 'details' in error ? error.details : undefined;
  if (!details || typeof details !== 'object') return undefined;
  const values = Object.entries(details).filter(
    (entry): entry is [string, string | number] =>
      typeof entry[1] === 'string' || typeof entry[1] === 'number',
  );
  return values.length > 0 ? Object.fromEntries(values) : undefined;
}
