export type LicenceErrorCode =
  | 'LICENCE_INVALID'
  | 'LICENCE_SIGNATURE_INVALID'
  | 'LICENCE_WRONG_DEVICE'
  | 'CEK_UNWRAP_FAILED'
  | 'STATEMENT_INVALID';

export class LicenceError extends Error {
  override readonly name = 'LicenceError';
  constructor(
    readonly code: LicenceErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
