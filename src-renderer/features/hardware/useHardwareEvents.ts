import { useEffect, useEffectEvent } from 'react';
import type { HardwareEvent } from '../../../protocol/api';
import { useApi } from '../../api/hooks';

/**
 * Payment QR codes start with protocol/qr's QR_SCHEME. It is repeated here because the renderer
 * may import only protocol/api, protocol/http and protocol/money (protocol/qr uses node:crypto).
 */
export const PAYMENT_QR_PREFIX = 'OUTPOST1:';

/** Calls `onEvent` for every swipe and scan the core reports while the component is mounted. */
export function useHardwareEvents(onEvent: (event: HardwareEvent) => void): void {
  const api = useApi();
  const handle = useEffectEvent(onEvent);
  useEffect(() => api.subscribe('hardware.events', {}, (event) => handle(event)), [api]);
}
