import { sign, verify, type KeyObject } from 'node:crypto';
import { decodeBase64url } from '../crypto/base64url';
import { canonicalBytes } from '../crypto/canonical';
import { QrError } from './errors';

/**
 * `OUTPOST1:<base64url canonical JSON>.<base64url Ed25519 signature>`. The signature covers the
 * exact payload bytes carried, so the verifier checks what it decodes, not a re-serialisation.
 */
export const QR_SCHEME = 'OUTPOST1:';
/** Far above any payload of ours, far below what a QR code can hold. */
const MAX_LENGTH = 2048;

export function encodeSigned(value: unknown, privateKey: KeyObject): string {
  const bytes = canonicalBytes(value);
  const signature = sign(null, bytes, privateKey);
  return `${QR_SCHEME}${bytes.toString('base64url')}.${signature.toString('base64url')}`;
}

export interface Decoded {
  bytes: Buffer;
  signature: Buffer;
  json: unknown;
}

/** Splits and decodes without trusting anything; throws QR_INVALID on any malformed input. */
export function decodeSigned(text: string): Decoded {
  const trimmed = text.trim();
  const invalid = (why: string) =>
    new QrError('QR_INVALID', `This is not an Outpost payment QR code: ${why}.`);
  if (trimmed.length > MAX_LENGTH) throw invalid('too long');
  if (!trimmed.startsWith(QR_SCHEME)) throw invalid(`it does not start with ${QR_SCHEME}`);
  const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{86})$/.exec(trimmed.slice(QR_SCHEME.length));
  if (!match) throw invalid('it is cut short or has stray characters');
  // Strictly decoded: a re-spelled signature would otherwise name the same payment twice.
  const bytes = decodeBase64url(match[1]!);
  const signature = decodeBase64url(match[2]!);
  if (!bytes || !signature) throw invalid('it is not in canonical base64url');
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid('its content is not readable');
  }
  // Only canonical bytes are accepted: one payment has exactly one encoding.
  let canonical: Buffer;
  try {
    canonical = canonicalBytes(json);
  } catch {
    throw invalid('its content is not readable');
  }
  if (!canonical.equals(bytes)) throw invalid('its content is not in canonical form');
  return { bytes, signature, json };
}

/** False for any bad signature; never throws on attacker-supplied input. */
export function signatureValid(decoded: Decoded, publicKey: KeyObject): boolean {
  try {
    return verify(null, decoded.bytes, publicKey, decoded.signature);
  } catch {
    return false;
  }
}
