/**
 * The renderer's Content-Security-Policy, the same in the Electron window (src-main/shell) and on
 * the browser host (src-main/host): our own scripts only, and connections to ourselves plus
 * `connect` (the host's WebSocket origins).
 */
export function rendererContentSecurityPolicy(connect: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // epub.js (Library viewer) makes an empty <style> and fills it through CSSOM, and links a book's own
    // CSS as blob: URLs it made from the book in memory; it shows each chapter in a blob: frame.
    "style-src 'self' blob: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "frame-src 'self' blob:",
    ["connect-src 'self'", ...connect].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}
