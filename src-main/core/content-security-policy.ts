/**
 * The renderer's Content-Security-Policy, the same in the Electron window (src-main/shell) and on
 * the browser host (src-main/host): our own scripts only, and connections to ourselves plus
 * `connect` (the host's WebSocket origins).
 */
/** sha256 of the <style> foliate-js's paginator writes into its shadow root (paginator.js, 1.0.1). */
export const FOLIATE_PAGINATOR_STYLE = 'sha256-Sz1WKGLvM24279JLTqw+ZwzznUautFgg7stEu8sEF84=';

export function rendererContentSecurityPolicy(connect: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // foliate-js (the EPUB viewer) puts empty <style> elements in each chapter (the empty hash) and
    // one fixed sheet in its paginator's closed shadow root (FOLIATE_PAGINATOR_STYLE, checked against
    // the installed foliate-js by csp.test.ts); a book's own CSS comes as blob: URLs made from the book
    // in memory, and each chapter is shown in a blob: frame.
    `style-src 'self' blob: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' '${FOLIATE_PAGINATOR_STYLE}'`,
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
