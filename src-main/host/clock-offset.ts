import { readFileSync, statSync } from 'node:fs';

/**
 * A system clock shifted by the milliseconds written in `file` (re-read when its mtime changes), for
 * end-to-end tests that must move a running host past a licence's offline grace. It is exactly what
 * changing the OS clock does, which any user can; the secure clock defeats both the same way.
 */
export function offsetClock(file: string): () => number {
  let mtimeMs = Number.NaN;
  let offset = 0;
  return () => {
    try {
      const info = statSync(file);
      if (info.mtimeMs !== mtimeMs) {
        mtimeMs = info.mtimeMs;
        const value = Number(readFileSync(file, 'utf8').trim() || '0');
        offset = Number.isFinite(value) ? value : 0;
      }
    } catch {
      offset = 0;
      mtimeMs = Number.NaN;
    }
    return Date.now() + offset;
  };
}
