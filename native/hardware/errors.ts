import { PrefixedCodedError } from '../../protocol/coded-error';

/**
 * Failures the core must act on differently get their own code; everything else about a device
 * problem travels in the message. Messages never carry track data or card numbers.
 */
export type HardwareErrorCode =
  | 'HARDWARE_UNAVAILABLE'
  | 'DEVICE_NOT_FOUND'
  | 'DEVICE_IO'
  | 'PRINTER_DISCONNECTED'
  | 'PAPER_OUT'
  | 'COVER_OPEN'
  | 'PRINTER_OFFLINE'
  | 'NO_PRINTER_INTERFACE';

export class HardwareError extends PrefixedCodedError<HardwareErrorCode> {
  override readonly name = 'HardwareError';
}

export function isHardwareError(err: unknown, code?: HardwareErrorCode): err is HardwareError {
  return err instanceof HardwareError && (code === undefined || err.code === code);
}
