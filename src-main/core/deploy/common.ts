import { open } from 'node:fs/promises';
import { z } from 'zod';
import { importPublicKey, verifyCanonical } from '../../../protocol/crypto';

/** Machine clocks drift: "not yet valid" allows this much of the signer's clock being ahead. */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** An ISO 8601 instant with an explicit offset (`Z` or `+hh:mm`), as the signers write it. */
export const Instant = z.iso.datetime({ offset: true });

/**
 * https everywhere; plain http only to the loopback interface (a local test server, never a LAN),
 * since a provisioned server URL and an update download are exactly what an attacker would redirect.
 */
export const SecureUrl = z.url({ protocol: /^https?$/ }).refine((value) => {
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}, 'must be https (plain http only to 127.0.0.1, localhost or [::1])');

/** A signed file's validity window: `expires_at` must come after its start field. */
export function expiresAfter<T extends { expires_at: string }>(
  start: keyof T & string,
): [(file: T) => boolean, { message: string; path: string[] }] {
  return [
    (file) => Date.parse(file.expires_at) > Date.parse(String(file[start])),
    { message: `expires_at must be after ${start}`, path: ['expires_at'] },
  ];
}

/** Ed25519 signature as protocol/crypto writes it: 64 bytes, base64url without padding. */
export const Signature = z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'an Ed25519 signature in base64url');

/** Reads at most `maxBytes` (more is an error, never a silent truncation). */
export async function readCapped(path: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > maxBytes) throw new RangeError(`larger than ${maxBytes} bytes`);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

/** The signed body: every field but `signature`, exactly as received (so no schema can reshape it). */
export function signedBody(raw: Record<string, unknown>): Record<string, unknown> {
  const { signature: _signature, ...body } = raw;
  return body;
}

/** True when any of the pinned public keys verifies the signature over the canonical body. */
export function verifiedByAny(keys: readonly string[], body: unknown, signature: string): boolean {
  for (const encoded of keys) {
    let key;
    try {
      key = importPublicKey(encoded);
    } catch {
      continue; // a malformed pinned key verifies nothing; the build step refuses to pin one
    }
    if (verifyCanonical(key, body, signature)) return true;
  }
  return false;
}

export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
