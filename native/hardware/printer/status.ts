/**
 * DLE EOT real-time status bytes (Epson "ESC/POS Command Reference", DLE EOT). Every status byte
 * has bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0, which is how a status byte is told from noise.
 *   n=1 printer:        bit 2 drawer connector pin 3 high, bit 3 offline
 *   n=2 offline cause:  bit 2 cover open, bit 3 paper fed by the button, bit 5 stopped at paper end,
 *                       bit 6 error
 *   n=3 error cause:    bit 3 autocutter error, bit 5 unrecoverable error, bit 6 auto-recoverable error
 *   n=4 paper sensor:   bits 2–3 roll paper near end, bits 5–6 roll paper end
 */
export interface PrinterStatus {
  readonly online: boolean;
  readonly drawerPin3High: boolean;
  readonly coverOpen: boolean;
  readonly paperNearEnd: boolean;
  readonly paperOut: boolean;
  readonly error: boolean;
  readonly cutterError: boolean;
}

export const isStatusByte = (b: number | undefined): b is number => b !== undefined && (b & 0x93) === 0x12;

/** The four status bytes answered to DLE EOT 1, 2, 3, 4 in that order; undefined if any is not one. */
export function parseStatus(bytes: Uint8Array): PrinterStatus | undefined {
  const [printer, offline, error, paper] = bytes;
  if (bytes.length !== 4 || ![printer, offline, error, paper].every(isStatusByte)) return undefined;
  const p = printer ?? 0;
  const o = offline ?? 0;
  const e = error ?? 0;
  const r = paper ?? 0;
  return {
    online: (p & 0x08) === 0,
    drawerPin3High: (p & 0x04) !== 0,
    coverOpen: (o & 0x04) !== 0,
    paperOut: (o & 0x20) !== 0 || (r & 0x60) !== 0,
    paperNearEnd: (r & 0x0c) !== 0,
    error: (o & 0x40) !== 0 || (e & 0x60) !== 0,
    cutterError: (e & 0x08) !== 0,
  };
}
