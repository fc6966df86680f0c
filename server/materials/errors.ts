import { MATERIAL_ERROR_STATUS, type MaterialErrorCode } from '../../protocol/http';
import { HttpError } from '../http/errors';

/** An HttpError with the status the protocol table gives the code. */
export function materialError(code: MaterialErrorCode, message: string, details?: unknown): HttpError {
  return new HttpError(MATERIAL_ERROR_STATUS[code], code, message, details);
}
