import { PrefixedCodedError } from '../../../protocol/coded-error';

/**
 * Failures of the local store that callers must tell apart: a missing or wrong key means "do not
 * touch the file, ask for recovery", never "start a fresh database".
 */
export type StoreErrorCode =
  | 'STORE_KEY_MISSING'
  | 'STORE_KEY_WRONG'
  | 'STORE_KEY_CORRUPT'
  | 'STORE_CLOSED'
  | 'STORE_REKEY_FAILED'
  | 'STORE_ATTACHMENT_MISSING'
  | 'STORE_NO_TEXT_INDEX';

export class StoreError extends PrefixedCodedError<StoreErrorCode> {
  override readonly name = 'StoreError';
}
