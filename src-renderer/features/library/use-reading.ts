import { useCallback, useEffect, useRef, useState } from 'react';
import type { Bookmark, OpenedMaterial, ReadingState } from '../../../protocol/api';
import { useApi } from '../../api/hooks';

export interface Reading {
  bookmarks: Bookmark[];
  /** The viewer moved: kept in the core's encrypted store (never localStorage). */
  moved(position: string): void;
  toggleBookmark(at: string, label: string): void;
}

/**
 * Where the student is, sent to the core as they read. One save at a time, the latest position
 * winning, so a fast scroll through 300 pages costs a handful of writes, and the last one is sent
 * when the viewer closes.
 */
export function useReading(material: OpenedMaterial): Reading {
  const api = useApi();
  const [bookmarks, setBookmarks] = useState<Bookmark[]>(material.reading.bookmarks);
  const state = useRef<ReadingState>(material.reading);
  const inFlight = useRef(false);
  const dirty = useRef(false);

  const flush = useCallback(async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    while (dirty.current) {
      dirty.current = false;
      const { position, bookmarks: marks } = state.current;
      await api
        .call('library.reading.save', { materialId: material.materialId, position, bookmarks: marks })
        .catch(() => undefined);
    }
    inFlight.current = false;
  }, [api, material.materialId]);

  useEffect(() => () => void flush(), [flush]);

  const moved = useCallback(
    (position: string) => {
      if (state.current.position === position) return;
      state.current = { ...state.current, position };
      dirty.current = true;
      void flush();
    },
    [flush],
  );

  const toggleBookmark = useCallback(
    (at: string, label: string) => {
      const current = state.current.bookmarks;
      const next = current.some((b) => b.at === at)
        ? current.filter((b) => b.at !== at)
        : [...current, { at, label: label.slice(0, 200), createdAt: new Date().toISOString() }];
      state.current = { ...state.current, bookmarks: next };
      setBookmarks(next);
      dirty.current = true;
      void flush();
    },
    [flush],
  );

  return { bookmarks, moved, toggleBookmark };
}
