/**
 * One code for every way opening can fail (bad enc, wrong key, changed ciphertext, info or aad):
 * telling them apart would only help an attacker probe, and none is recoverable by the caller.
 */
export class HpkeOpenError extends Error {
  override readonly name = 'HpkeOpenError';
  readonly code = 'HPKE_OPEN_FAILED';
  constructor(options?: { cause?: unknown }) {
    super('HPKE open failed: wrong key or tampered input', options);
  }
}
