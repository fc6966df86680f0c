/**
 * Parses an HTTP Range header against a body of `size` bytes (RFC 9110 §14.1.2), single ranges only:
 * viewers (pdf.js, <video>, foliate-js) ask for one range at a time, and answering the first of several
 * is allowed. Returns null for "no usable Range: send it all", 'unsatisfiable' for a 416.
 */
export function parseByteRange(
  header: string | null | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^\s*bytes\s*=\s*([^,]*)/i.exec(header);
  if (!match) return null;
  const spec = match[1]!.trim();
  const parts = /^(\d*)\s*-\s*(\d*)$/.exec(spec);
  if (!parts || (parts[1] === '' && parts[2] === '')) return null;
  if (parts[1] === '') {
    const suffix = Number(parts[2]);
    if (!Number.isSafeInteger(suffix) || suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(parts[1]);
  const end = parts[2] === '' ? size - 1 : Number(parts[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return null;
  if (start >= size) return 'unsatisfiable';
  if (end < start) return null;
  return { start, end: Math.min(end, size - 1) };
}
