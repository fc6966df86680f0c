/**
 * Domain error codes of the trust base (auth, devices, enrollment, policies). The materials seed
 * fixes DEVICE_* and INVALID_NONCE; the rest are ours. Clients treat unknown codes by status.
 */
export const TrustErrorCode = {
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  FORBIDDEN: 'FORBIDDEN',
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  INVALID_NONCE: 'INVALID_NONCE',
  DEVICE_NOT_FOUND: 'DEVICE_NOT_FOUND',
  DEVICE_EXISTS: 'DEVICE_EXISTS',
  /** The Ed25519 or X25519 public key is already registered under another device id. */
  DEVICE_KEY_IN_USE: 'DEVICE_KEY_IN_USE',
  DEVICE_LIMIT_EXCEEDED: 'DEVICE_LIMIT_EXCEEDED',
  DEVICE_FINGERPRINT_MISMATCH: 'DEVICE_FINGERPRINT_MISMATCH',
  ENROLLMENT_CODE_INVALID: 'ENROLLMENT_CODE_INVALID',
  /** A revoked till enrolling again under its own keys: a new code does not bring it back. */
  DEVICE_REVOKED: 'DEVICE_REVOKED',
  /** Throttled (docs/operations.md "Throttling"): wait the Retry-After seconds, then try again. */
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
} as const;
export type TrustErrorCode = (typeof TrustErrorCode)[keyof typeof TrustErrorCode];

/** Statuses that go with each code, so server and docs never disagree. */
export const TRUST_ERROR_STATUS: Record<TrustErrorCode, number> = {
  INVALID_CREDENTIALS: 401,
  UNAUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,
  INVALID_SIGNATURE: 401,
  INVALID_NONCE: 403,
  DEVICE_NOT_FOUND: 404,
  DEVICE_EXISTS: 409,
  DEVICE_KEY_IN_USE: 409,
  DEVICE_LIMIT_EXCEEDED: 403,
  DEVICE_FINGERPRINT_MISMATCH: 403,
  ENROLLMENT_CODE_INVALID: 403,
  DEVICE_REVOKED: 403,
  TOO_MANY_REQUESTS: 429,
};
