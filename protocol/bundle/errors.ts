export type BundleErrorCode =
  | 'INVALID_BUNDLE'
  | 'INVALID_SIGNATURE'
  | 'DECRYPTION_FAILED'
  | 'BUNDLE_MISMATCH'
  | 'SEQUENCE_GAP'
  | 'CHAIN_BROKEN';

/** Codes are the push API's error codes; `details` says which field, for logs and the audit trail. */
export class BundleError extends Error {
  override readonly name = 'BundleError';
  constructor(
    readonly code: BundleErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
