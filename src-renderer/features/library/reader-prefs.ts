import { useSyncExternalStore } from 'react';

/**
 * The reader's look (night mode, an EPUB's font size): the same for every material for the rest of
 * the run. Not where anyone reads, so it need not be in the encrypted store, and not kept on disk.
 */
export interface ReaderPrefs {
  night: boolean;
  /** Percent of the book's own font size. */
  fontSize: number;
}

let prefs: ReaderPrefs = { night: false, fontSize: 100 };
const listeners = new Set<() => void>();

export function setReaderPrefs(change: Partial<ReaderPrefs>): void {
  prefs = { ...prefs, ...change };
  for (const listener of listeners) listener();
}

export function useReaderPrefs(): ReaderPrefs {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => prefs,
  );
}
