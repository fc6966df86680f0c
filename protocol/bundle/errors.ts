import { CodedError } from '../coded-error';

export type BundleErrorCode =
  | 'INVALID_BUNDLE'
  | 'INVALID_SIGNATURE'
  | 'DECRYPTION_FAILED'
  | 'BUNDLE_MISMATCH'
  | 'SEQUENCE_GAP'
  | 'CHAIN_BROKEN';

/** Codes are the push API's error codes; `details` says which field, for logs and the audit trail. */
export class BundleError extends CodedError<BundleErrorCode> {
  override readonly name = 'BundleError';
}
