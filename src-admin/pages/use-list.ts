import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api';

/**
 * A page's list from one GET, reloaded after each change; `act` runs a change and shows its refusal
 * in `error`. `undefined` until the first answer (so an empty state is not flashed while loading).
 */
export function useList<T>(path: string, pick: (body: never) => T[]) {
  const [items, setItems] = useState<T[]>();
  const [error, setError] = useState<unknown>();
  // pick is a field accessor written inline by each page: the path alone decides what to load.
  const picker = useRef(pick);
  const load = useCallback(() => {
    api<never>('GET', path).then(
      (body) => {
        setError(undefined);
        setItems(picker.current(body));
      },
      (err: unknown) => setError(err),
    );
  }, [path]);
  useEffect(load, [load]);
  return { items, error, setError, load };
}
