import type { TFunction } from 'i18next';
import type { ApiError } from '../../protocol/api';

/** A refusal in the user's language when we know its code; otherwise the message the core gave. */
export function errorText(t: TFunction, error: ApiError | Error): string {
  const code = 'code' in error ? String(error.code) : '';
  const key = `errorCodes.${code}`;
  const translated = code ? t(key) : key;
  return translated === key ? error.message : translated;
}
