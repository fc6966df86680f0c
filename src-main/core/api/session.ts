import { z } from 'zod';
import { ClientMessage, type ServerMessage } from '../../../protocol/api';
import type { ApiHandlers } from './handlers';
import { callCommand, openSubscription, toApiError } from './dispatch';

/**
 * One connected client over a message transport (the WebSocket host's socket, an Electron page over
 * IPC): decodes its messages, runs calls and subscriptions, and stops every subscription when the
 * client goes away.
 */
export interface Session {
  receive(raw: unknown): void;
  close(): void;
}

export function createSession(handlers: ApiHandlers, send: (message: ServerMessage) => void): Session {
  const active = new Map<number, () => void>();
  let closed = false;
  const emit = (message: ServerMessage) => {
    if (!closed) send(message);
  };

  return {
    receive(raw) {
      const parsed = ClientMessage.safeParse(raw);
      if (!parsed.success) {
        emit({
          type: 'protocol-error',
          error: { code: 'INVALID_MESSAGE', message: `Malformed message: ${z.prettifyError(parsed.error)}` },
        });
        return;
      }
      const message = parsed.data;
      switch (message.type) {
        case 'call':
          callCommand(handlers, message.method, message.input).then(
            (value) => emit({ type: 'result', id: message.id, value }),
            (error: unknown) => emit({ type: 'error', id: message.id, error: toApiError(error).toBody() }),
          );
          return;
        case 'subscribe': {
          if (active.has(message.id)) {
            emit({
              type: 'end',
              id: message.id,
              error: { code: 'INVALID_MESSAGE', message: `Subscription id ${message.id} is already in use` },
            });
            return;
          }
          // Registered before opening: a subscription may emit and even end synchronously.
          active.set(message.id, () => {});
          const stop = openSubscription(handlers, message.topic, message.input, {
            item: (item) => emit({ type: 'item', id: message.id, item }),
            end: (error) => {
              active.delete(message.id);
              emit(error ? { type: 'end', id: message.id, error } : { type: 'end', id: message.id });
            },
          });
          if (active.has(message.id)) active.set(message.id, stop);
          return;
        }
        case 'unsubscribe':
          active.get(message.id)?.();
          active.delete(message.id);
          return;
      }
    },
    close() {
      closed = true;
      for (const stop of active.values()) stop();
      active.clear();
    },
  };
}
