import { z } from 'zod';
import { base64urlBytes, decodeBase64url } from '../crypto/base64url';
import { isKnownCurrency, MinorAmount } from '../money';

export const ROLES = ['pay_admin', 'ops', 'teacher', 'user'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const TENANT_TYPES = ['merchant', 'agent', 'school'] as const;
export const TenantType = z.enum(TENANT_TYPES);
export type TenantType = z.infer<typeof TenantType>;

/** No control or format characters: these strings end up in logs, audit rows and UIs. */
const PLAIN_TEXT = /^[^\p{C}]*$/u;
export const plainText = (max: number) =>
  z.string().min(1).max(max).regex(PLAIN_TEXT, 'must not contain control characters');

/** Device ids travel in a header too (x-outpost-device), so they keep to a header-safe alphabet. */
export const DeviceId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, '1-128 of A-Z a-z 0-9 . _ : -');
export const TenantId = z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, '1-128 of A-Z a-z 0-9 . _ : -');
export const Fingerprint = z.string().regex(/^[A-Za-z0-9._:+/=-]{8,256}$/, '8-256 printable characters');

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
/** ISO 3166-1 alpha-2, upper case; Intl knows the assigned codes. */
export const Country = z
  .string()
  .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, upper case')
  // zod runs refinements even after the regex failed, and DisplayNames throws on malformed codes.
  .refine((c) => /^[A-Z]{2}$/.test(c) && regionNames.of(c) !== undefined, 'unknown country code');

export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'ISO 4217, upper case')
  .refine(isKnownCurrency, 'unknown currency code');

export const NonNegativeMinor = MinorAmount.min(0);

/** SPKI PEM; the server also checks that it really is an Ed25519 key. */
export const PublicKeyPem = z
  .string()
  .max(1024)
  .regex(/^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\r?\n?$/, 'SPKI PEM');

/**
 * Whether 32 bytes are the one spelling of an X25519 public key: a u-coordinate below 2^255 − 19,
 * little-endian. X25519 masks bit 255 and reduces u mod p (RFC 7748 §5), so the same key has other
 * spellings (bit 255 set, or u + p); accepting them let one key be registered under two device ids
 * past the byte comparison of "one key, one device" (issue #16, third pass L1). Key generators
 * (Node, libsodium) never produce them. Bytes of another length are left to the length check.
 */
export function isCanonicalX25519(text: string): boolean {
  const bytes = decodeBase64url(text);
  if (bytes?.length !== 32) return true;
  if (bytes[31]! & 0x80) return false;
  // u ≥ p = 2^255 − 19 only as 0x7f, thirty 0xff, then a low byte of 0xed or more.
  return !(bytes[31] === 0x7f && bytes.subarray(1, 31).every((b) => b === 0xff) && bytes[0]! >= 0xed);
}

/** 32 bytes as unpadded base64url (43 characters, the last one carrying 4 meaningful bits). */
export const X25519Public = base64urlBytes(32).refine(
  isCanonicalX25519,
  'an X25519 public key in its one spelling: bit 255 clear, below 2^255 − 19',
);

export { IsoDateTime } from '../timestamp';
export const Uuid = z.uuid();
