import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_MESSAGE_BYTES, type ServerMessage } from '../../protocol/api';
import type { ApiHandlers } from '../core/api/handlers';
import { createSession } from '../core/api/session';
import { tokensEqual } from './security';

export interface UpgradeGuard {
  token: string;
  /** Origins allowed to open the socket: the host's own, as printed. */
  origins: ReadonlySet<string>;
}

/** Why an upgrade is refused, or null to accept it. Refusals are plain HTTP answers, before any frame. */
export function refuseUpgrade(
  req: IncomingMessage,
  guard: UpgradeGuard,
): { status: number; reason: string } | null {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname !== '/api') return { status: 404, reason: 'Not found' };
  const origin = req.headers.origin;
  if (!origin || !guard.origins.has(origin)) return { status: 403, reason: 'Origin not allowed' };
  if (!tokensEqual(guard.token, url.searchParams.get('token'))) return { status: 401, reason: 'Bad token' };
  return null;
}

export function createApiSocketServer(handlers: ApiHandlers, guard: UpgradeGuard) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  wss.on('connection', (socket: WebSocket) => {
    const session = createSession(handlers, (message: ServerMessage) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        socket.close(1003, 'Text frames only');
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        // Through the session so the client gets the same protocol-error any bad message gets.
        parsed = undefined;
      }
      session.receive(parsed);
    });
    socket.on('close', () => session.close());
    socket.on('error', () => session.close());
  });

  return {
    handleUpgrade(req: IncomingMessage, duplex: Duplex, head: Buffer) {
      const refusal = refuseUpgrade(req, guard);
      if (refusal) {
        duplex.end(
          `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
        );
        return;
      }
      wss.handleUpgrade(req, duplex, head, (socket) => wss.emit('connection', socket, req));
    },
    close(): Promise<void> {
      for (const client of wss.clients) client.terminate();
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}
