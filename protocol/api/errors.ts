import { z } from 'zod';
import { APP_ERROR_CODES, isErrorCode, type ErrorCode } from './error-codes';

/**
 * Errors every transport returns for a call; the code is stable, the message is for people.
 * Besides the app's own codes, a call that the server refused carries the server's domain code
 * (ENROLLMENT_CODE_INVALID, DEVICE_LIMIT_EXCEEDED, …) unchanged, so the UI can explain it in words.
 */
export const AppErrorCode = z.enum(APP_ERROR_CODES);
export type AppErrorCode = z.infer<typeof AppErrorCode>;

export const ApiErrorCode = z.union([AppErrorCode, z.string().regex(/^[A-Z][A-Z0-9_]{1,63}$/)]);
export type ApiErrorCode = AppErrorCode | (string & {});

export const ApiErrorBody = z.object({
  code: ApiErrorCode,
  message: z.string(),
  details: z.unknown().optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/**
 * A code outside ERROR_CODES, as a newer server may send: kept as sent, and the UI shows the
 * message that came with it. Only `unlisted()` makes one, so a new code of ours cannot skip the list.
 */
export type UnlistedErrorCode = string & { readonly __unlisted: true };
export const unlisted = (code: string): ErrorCode | UnlistedErrorCode =>
  isErrorCode(code) ? code : (code as UnlistedErrorCode);

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  constructor(
    code: ErrorCode | UnlistedErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.code = code;
  }

  toBody(): ApiErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromBody(body: ApiErrorBody): ApiError {
    return new ApiError(unlisted(body.code), body.message, body.details);
  }
}
