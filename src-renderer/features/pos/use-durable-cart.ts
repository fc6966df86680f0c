import { useEffect, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import { useApi, useSubscription } from '../../api/hooks';
import type { CartItem } from './cart';

const same = (a: readonly CartItem[], b: readonly CartItem[]) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The till's cart, kept in the core's encrypted store (issue #18 item 2): every change is saved
 * (`pos.cart.save`), and what the store holds comes back on opening the till (after Settings, a
 * restart or a crash) or when a parked sale is recalled. While a save of ours is on its way, the
 * store's older word is not taken over the cashier's newer one.
 */
export function useDurableCart(): [CartItem[], Dispatch<SetStateAction<CartItem[]>>, boolean] {
  const api = useApi();
  const { value: stored } = useSubscription('pos.cart.current');
  const [lines, setLines] = useState<CartItem[]>([]);
  const [loaded, setLoaded] = useState(false);
  const saving = useRef(0);
  const written = useRef<CartItem[]>([]);

  // The store's cart, when it is not the echo of our own save.
  useEffect(() => {
    if (!stored || saving.current > 0) return;
    const fromStore = stored.lines as CartItem[];
    written.current = fromStore;
    setLines((current) => (same(current, fromStore) ? current : fromStore));
    setLoaded(true);
  }, [stored]);

  // Every change the cashier makes, once the stored cart has been read (not to overwrite it).
  useEffect(() => {
    if (!loaded || same(lines, written.current)) return;
    written.current = lines;
    saving.current++;
    void api
      .call('pos.cart.save', { lines })
      .catch(() => undefined)
      .finally(() => {
        saving.current--;
      });
  }, [api, lines, loaded]);

  return [lines, setLines, loaded];
}
