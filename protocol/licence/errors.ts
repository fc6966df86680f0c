import { CodedError } from '../coded-error';

export type LicenceErrorCode =
  | 'LICENCE_INVALID'
  | 'LICENCE_SIGNATURE_INVALID'
  | 'LICENCE_WRONG_DEVICE'
  | 'CEK_UNWRAP_FAILED'
  | 'STATEMENT_INVALID';

export class LicenceError extends CodedError<LicenceErrorCode> {
  override readonly name = 'LicenceError';
}
