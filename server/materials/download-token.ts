import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Download URLs carry their own authorisation, so a plain HTTP client (or a resumable downloader)
 * can fetch them without signing: base64url(JSON {m, d, e}) "." base64url(HMAC-SHA256(key, payload)).
 */
const Payload = z.strictObject({
  m: z.uuid(),
  d: z.string().min(1).max(128),
  e: z.number().int().positive(),
});
export type DownloadGrant = { materialId: string; deviceId: string; expiresAt: Date };

const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest();

export function signDownloadToken(key: Buffer, grant: DownloadGrant): string {
  const payload = Buffer.from(
    JSON.stringify({ m: grant.materialId, d: grant.deviceId, e: Math.floor(+grant.expiresAt / 1000) }),
  ).toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** Undefined when the token was not made with `key`, is malformed or has expired. */
export function verifyDownloadToken(key: Buffer, token: string, now = Date.now()): DownloadGrant | undefined {
  const [payload, sig, extra] = token.split('.');
  if (!payload || !sig || extra !== undefined) return undefined;
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(key, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let parsed;
  try {
    parsed = Payload.safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    return undefined;
  }
  if (!parsed.success || parsed.data.e * 1000 <= now) return undefined;
  return { materialId: parsed.data.m, deviceId: parsed.data.d, expiresAt: new Date(parsed.data.e * 1000) };
}
