import type { TFunction } from 'i18next';
import { isErrorCode, type ApiError } from '../../protocol/api';

/**
 * The text of a code in the user's language: every listed code has one in en and fr (checked at
 * compile time, protocol/api/error-codes.ts); an unlisted one (a newer server's) keeps `fallback`.
 */
export function codeText(t: TFunction, code: string | null | undefined, fallback: string): string {
  return code && isErrorCode(code) ? t(`errorCodes.${code}`) : fallback;
}

/** A refusal in the user's language when we know its code; otherwise the message the core gave. */
export function errorText(t: TFunction, error: ApiError | Error): string {
  return codeText(t, 'code' in error ? String(error.code) : '', error.message);
}
