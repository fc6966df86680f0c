import { z } from 'zod';
import { holdsCardData } from '../card-data';
import { base64urlBytes, decodeBase64url } from '../crypto/base64url';
import { isKnownCurrency, MinorAmount } from '../money';

export const ROLES = ['pay_admin', 'ops', 'teacher', 'student', 'cashier'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const TENANT_TYPES = ['merchant', 'agent', 'school'] as const;
export const TenantType = z.enum(TENANT_TYPES);
export type TenantType = z.infer<typeof TenantType>;

/** No control or format characters: these strings end up in logs, audit rows and UIs. */
const PLAIN_TEXT = /^[^\p{C}]*$/u;
export const plainText = (max: number) =>
  z.string().min(1).max(max).regex(PLAIN_TEXT, 'must not contain control characters');

export const CARD_DATA_FIELD_MESSAGE =
  'holds card data (a card number or a magnetic track): card data is never stored; use the card reader';

/**
 * Free text the server stores and shows again (a label, a name, a title, a reason, a note): plain
 * text that holds no card data by the rule the till runs (protocol/card-data.ts). Every stored
 * free-text field of a request is one of these (issue #16, ninth pass L-2: an enrollment code's
 * label, a laptop's name, a material's title and a till's revoke reason took a card number). Shapes
 * the server also answers with (catalog items, categories, the shop) keep plainText and apply the
 * same rule to the request alone through refuseCardData, so rows stored before the rule still read.
 */
export const storedText = (max: number) =>
  plainText(max).refine((text) => !holdsCardData(text), CARD_DATA_FIELD_MESSAGE);

/**
 * Adds a validation issue naming each of `fields` whose text holds card data (protocol/card-data.ts,
 * the rule the till runs): the back office would otherwise store it and tills print it on every
 * receipt (issue #16, eighth pass L-2). A whole 12–14 digit GTIN that Luhn also accepts is a product
 * code here, as at the till.
 */
export function refuseCardData<T extends object>(
  value: T,
  ctx: z.RefinementCtx,
  fields: readonly (keyof T & string)[],
  at: readonly (string | number)[] = [],
): void {
  for (const field of fields) {
    const text = value[field];
    if (typeof text === 'string' && holdsCardData(text))
      ctx.addIssue({ code: 'custom', path: [...at, field], message: CARD_DATA_FIELD_MESSAGE });
  }
}

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

/**
 * The canonical u-coordinates of small order (RFC 7748 §7; libsodium's blocklist without its
 * non-canonical spellings, refused above): 0, 1, the two points of order 8, and p − 1. A shared
 * secret with any of them is all zeros, so HPKE refuses it: a licence for such a laptop was a 500
 * (issue #16, fourth pass), and they are all "the same key" past "one key, one device".
 */
const LOW_ORDER_X25519 = new Set([
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
]);

/** Whether 32 bytes are an X25519 public key of small order (see LOW_ORDER_X25519). */
export function isLowOrderX25519(text: string): boolean {
  const bytes = decodeBase64url(text);
  return (
    bytes?.length === 32 &&
    LOW_ORDER_X25519.has(Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(''))
  );
}

/** 32 bytes as unpadded base64url (43 characters, the last one carrying 4 meaningful bits). */
export const X25519Public = base64urlBytes(32)
  .refine(isCanonicalX25519, 'an X25519 public key in its one spelling: bit 255 clear, below 2^255 − 19')
  .refine((text) => !isLowOrderX25519(text), 'an X25519 public key not of small order');

export { IsoDateTime } from '../timestamp';
export const Uuid = z.uuid();
