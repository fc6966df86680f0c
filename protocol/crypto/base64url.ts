import { z } from 'zod';

/**
 * The one base64url codec of every field app and server accept (signatures, keys, nonces, hashes,
 * ciphertexts, tokens): RFC 4648 §5, no padding, and only the canonical spelling. Node's decoder is
 * lenient (it ignores padding, stray characters and the unused low bits of the last character), so
 * two different strings can decode to the same bytes: a re-spelled copy of a genuine signature
 * would verify, yet not compare equal to the original as text. Refusing every non-canonical
 * spelling makes text equality byte equality, for replay and reuse checks alike.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ONLY_ALPHABET = /^[A-Za-z0-9_-]*$/;

/** True when `text` is the canonical unpadded base64url of some bytes. O(1) beyond the regex. */
export function isCanonicalBase64url(text: string): boolean {
  if (!ONLY_ALPHABET.test(text)) return false;
  const tail = text.length % 4;
  if (tail === 0) return true;
  // One leftover character cannot hold a byte.
  if (tail === 1) return false;
  // The last character carries 2 (tail 2) or 4 (tail 3) bits of the last byte; the rest must be 0.
  const last = ALPHABET.indexOf(text[text.length - 1]!);
  return (last & (tail === 2 ? 0b1111 : 0b11)) === 0;
}

/** The bytes of a canonical base64url string; undefined for anything else. */
export function decodeBase64url(text: string): Buffer | undefined {
  return isCanonicalBase64url(text) ? Buffer.from(text, 'base64url') : undefined;
}

/** Characters of the unpadded base64url of `bytes` bytes. */
export const base64urlLength = (bytes: number) => Math.ceil((bytes * 4) / 3);

const CANONICAL = 'base64url: unpadded, RFC 4648 §5 alphabet, canonical (unused bits zero)';

/** A zod string holding exactly `bytes` bytes of canonical base64url. */
export function base64urlBytes(bytes: number, what = `${bytes} bytes`) {
  return z
    .string()
    .length(base64urlLength(bytes), `${what} of base64url`)
    .refine(isCanonicalBase64url, CANONICAL);
}

/** A zod string of canonical base64url between `min` and `max` characters. */
export function base64urlText(range: { min?: number; max: number }) {
  return z
    .string()
    .min(range.min ?? 0)
    .max(range.max)
    .refine(isCanonicalBase64url, CANONICAL);
}

/** Byte equality of two base64url strings; false if either is not canonical. */
export function sameBase64url(a: string, b: string): boolean {
  const x = decodeBase64url(a);
  const y = decodeBase64url(b);
  return x !== undefined && y !== undefined && x.equals(y);
}
