import { randomBytes, timingSafeEqual } from 'node:crypto';

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

/** Same policy as the Electron window: our own scripts only, and sockets to ourselves. */
export function contentSecurityPolicy(wsOrigin: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // epub.js (Library viewer) makes an empty <style> and fills it through CSSOM, and links a book's own
    // CSS as blob: URLs it made from the book in memory; it shows each chapter in a blob: frame.
    "style-src 'self' blob: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "frame-src 'self' blob:",
    `connect-src 'self' ${wsOrigin}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
