import { ApiError, MAX_MESSAGE_BYTES, ServerMessage, type ClientMessage } from '../../protocol/api';
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

export const unavailable = () => new ApiError('UNAVAILABLE', 'The connection to the app was lost. Retrying…');

/**
 * The renderer's side of the wire messages (protocol/api/wire.ts), whatever carries them (the
 * WebSocket, or the Electron preload's channel): ids, pending calls and live subscriptions.
 */
export interface WireClient {
  transport: Transport;
  /** Hands over one message from the core; anything off the wire format is dropped. */
  receive(data: unknown): void;
  /** The carrier is up (re-opens every live subscription) or down (fails the pending calls). */
  setConnected(connected: boolean): void;
}

export function createWireClient(send: (message: ClientMessage) => void): WireClient {
  let connected = false;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const active = new Map<number, Active>();
  const listeners = new Set<(connected: boolean) => void>();

  return {
    receive(data) {
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
          console.error('Protocol error from the app core', message.error);
          break;
      }
    },
    setConnected(value) {
      if (connected === value) return;
      connected = value;
      if (value) {
        for (const [id, sub] of active) send({ type: 'subscribe', id, topic: sub.topic, input: sub.input });
      } else {
        for (const call of pending.values()) call.reject(unavailable());
        pending.clear();
      }
      for (const listener of listeners) listener(value);
    },
    transport: {
      call(method, input) {
        if (!connected) return Promise.reject(unavailable());
        const id = nextId++;
        const message: ClientMessage = { type: 'call', id, method, input };
        // The core answers an oversized message with a protocol-error that names no call: refused
        // here instead, or the call would wait for ever.
        if (new TextEncoder().encode(JSON.stringify(message)).length > MAX_MESSAGE_BYTES) {
          return Promise.reject(
            new ApiError('MESSAGE_TOO_LARGE', `A call of more than ${MAX_MESSAGE_BYTES} bytes is not sent.`),
          );
        }
        return new Promise((resolve, reject) => {
          pending.set(id, { resolve, reject });
          send(message);
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
    },
  };
}
