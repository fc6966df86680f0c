/**
 * What may be uploaded as a material (issue #5: PDF, EPUB, images, text) and how large: plain
 * constants, so the back office (browser) checks a file with the server's own lists.
 */
export const MATERIAL_CONTENT_TYPES = [
  'application/pdf',
  'application/epub+zip',
  'image/png',
  'image/jpeg',
  'image/webp',
  'text/plain',
  'text/markdown',
] as const;

/** Largest upload the server accepts (bytes). */
export const MAX_MATERIAL_BYTES = 512 * 1024 * 1024;
