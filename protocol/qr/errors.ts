import { CodedError } from '../coded-error';

/**
 * Why a payment QR was refused. Each code is answered as an ApiError of the same code by the core,
 * so the till can say it in the cashier's language.
 */
export type QrErrorCode =
  | 'QR_INVALID'
  | 'QR_SIGNATURE'
  | 'QR_EXPIRED'
  | 'QR_REPLAYED'
  | 'QR_AMOUNT_MISMATCH'
  | 'QR_ISSUER_UNKNOWN'
  /** The token pays a request this till did not make, or no longer holds open (request-ref.ts). */
  | 'QR_WRONG_PAYEE';

export class QrError extends CodedError<QrErrorCode> {
  override readonly name = 'QrError';
}
