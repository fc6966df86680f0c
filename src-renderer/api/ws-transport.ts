import { ApiError, ServerMessage, type ClientMessage } from '../../protocol/api';
import type { Transport } from './transport';

interface Pending {
  resolve(value: unknown): void;
  reject(error: ApiError): void;
}
interface Active {
  topic: string;
  input: unknown;
  onItem(item: unknown): void;
  onEnd(error?: ApiError): void;
}

const unavailable = () => new ApiError('UNAVAILABLE', 'The connection to the app was lost. Retrying…');

/**
 * The browser host's transport. Reconnects with backoff and re-opens live subscriptions, so a
 * restarted host or a sleeping laptop heals without a reload; calls made while it is down fail fast.
 */
export function wsTransport(url: string): Transport {
  let socket: WebSocket | undefined;
  let connected = false;
  let nextId = 1;
  let attempt = 0;
  const pending = new Map<number, Pending>();
  const active = new Map<number, Active>();
  const listeners = new Set<(connected: boolean) => void>();

  const setConnected = (value: boolean) => {
    if (connected === value) return;
    connected = value;
    for (const listener of listeners) listener(value);
  };
  const send = (message: ClientMessage) => socket?.send(JSON.stringify(message));

  const connect = () => {
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setConnected(true);
      for (const [id, sub] of active) send({ type: 'subscribe', id, topic: sub.topic, input: sub.input });
    };
    ws.onmessage = (event) => {
      let data: unknown;
      try {
        data = JSON.parse(String(event.data));
      } catch {
        return;
      }
      const parsed = ServerMessage.safeParse(data);
      if (!parsed.success) return;
      const message = parsed.data;
      switch (message.type) {
        case 'result':
          pending.get(message.id)?.resolve(message.value);
          pending.delete(message.id);
          break;
        case 'error':
          pending.get(message.id)?.reject(ApiError.fromBody(message.error));
          pending.delete(message.id);
          break;
        case 'item':
          active.get(message.id)?.onItem(message.item);
          break;
        case 'end': {
          const sub = active.get(message.id);
          active.delete(message.id);
          sub?.onEnd(message.error ? ApiError.fromBody(message.error) : undefined);
          break;
        }
        case 'protocol-error':
          console.error('Protocol error from the app host', message.error);
          break;
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      setConnected(false);
      for (const call of pending.values()) call.reject(unavailable());
      pending.clear();
      attempt += 1;
      setTimeout(connect, Math.min(250 * 2 ** attempt, 5000));
    };
  };
  connect();

  return {
    call(method, input) {
      if (!connected) return Promise.reject(unavailable());
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        send({ type: 'call', id, method, input });
      });
    },
    subscribe(topic, input, onItem, onEnd) {
      const id = nextId++;
      active.set(id, { topic, input, onItem, onEnd });
      if (connected) send({ type: 'subscribe', id, topic, input });
      return () => {
        if (active.delete(id) && connected) send({ type: 'unsubscribe', id });
      };
    },
    onConnectionChange(listener) {
      listeners.add(listener);
      listener(connected);
      return () => listeners.delete(listener);
    },
  };
}
