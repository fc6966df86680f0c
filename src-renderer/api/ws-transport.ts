import type { Transport } from './transport';
import { createWireClient } from './wire-client';

/**
 * The browser host's transport. Reconnects with backoff and re-opens live subscriptions, so a
 * restarted host or a sleeping laptop heals without a reload; calls made while it is down fail fast.
 */
export function wsTransport(url: string): Transport {
  let socket: WebSocket | undefined;
  let attempt = 0;
  const wire = createWireClient((message) => socket?.send(JSON.stringify(message)));

  const connect = () => {
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      wire.setConnected(true);
    };
    ws.onmessage = (event) => {
      let data: unknown;
      try {
        data = JSON.parse(String(event.data));
      } catch {
        return;
      }
      wire.receive(data);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      wire.setConnected(false);
      attempt += 1;
      setTimeout(connect, Math.min(250 * 2 ** attempt, 5000));
    };
  };
  connect();
  return wire.transport;
}
