import { useEffect, useRef } from 'react';
import { useSubscription } from '../../api/hooks';
import type { CartItem } from './cart';

/**
 * A refusal shown under Pay holds for the cart and the connection it was given for (issue #18
 * item 7): once the cart changes or the till goes online or offline, its cause may be gone, so it
 * is taken down (Pay asks the core again and shows what holds then).
 */
export function useErrorReset(lines: readonly CartItem[], clear: (none: undefined) => void): void {
  const { value: status } = useSubscription('device.status');
  const reach = status?.server.reachability ?? 'unknown';
  const cause = `${reach}|${JSON.stringify(lines)}`;
  const shown = useRef(cause);
  useEffect(() => {
    if (shown.current === cause) return;
    shown.current = cause;
    clear(undefined);
  }, [cause, clear]);
}
