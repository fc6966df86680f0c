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

export class HardwareError extends Error {
  override readonly name = 'HardwareError';
  constructor(
    readonly code: HardwareErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}

export function isHardwareError(err: unknown, code?: HardwareErrorCode): err is HardwareError {
  return err instanceof HardwareError && (code === undefined || err.code === code);
}
