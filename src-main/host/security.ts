import { randomBytes, timingSafeEqual } from 'node:crypto';
import { rendererContentSecurityPolicy } from '../core/content-security-policy';

/** A fresh secret for each run: only a page opened from the printed URL can reach the API. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokensEqual(expected: string, given: string | null | undefined): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Same policy as the Electron window, with sockets to this host. */
export function contentSecurityPolicy(wsOrigin: string): string {
  return rendererContentSecurityPolicy([wsOrigin]);
}
