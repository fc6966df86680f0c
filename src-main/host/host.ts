import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { ApiHandlers } from '../core/api/handlers';
import type { ContentSessions } from '../core/reader';
import { CONTENT_PREFIX, contentUrl, serveContentRoute } from './content-route';
import { contentSecurityPolicy, newToken } from './security';
import { serveStatic } from './static-files';
import { createApiSocketServer } from './websocket';

export interface HostOptions {
  handlers: ApiHandlers;
  rendererDir: string;
  port?: number;
  token?: string;
  /** Opened materials' streams (the core's); served at /content/<session>. */
  content?: ContentSessions;
}

export interface Host {
  /** The URL to open: carries the per-run token the page hands to the WebSocket. */
  url: string;
  origin: string;
  token: string;
  close(): Promise<void>;
}

/**
 * The browser host: the built renderer plus the app's API over WebSocket, on loopback only, for the
 * machines where Electron cannot run. Same contract, same validation, as the Electron shell.
 */
export async function startHost(options: HostOptions): Promise<Host> {
  const token = options.token ?? newToken();
  const rendererDir = resolve(options.rendererDir);
  const origins = new Set<string>();
  const guard = { token, origins };
  const sockets = createApiSocketServer(options.handlers, guard);
  let headers: Record<string, string> = {};

  const allowedHost = (req: IncomingMessage) => {
    // Refusing foreign Host headers defeats DNS-rebinding pages that resolve to 127.0.0.1.
    const host = req.headers.host ?? '';
    return [...origins].some((origin) => origin === `http://${host}`);
  };

  const server = createServer((req, res) => {
    if (!allowedHost(req)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('Misdirected request');
      return;
    }
    const content = options.content;
    if (content && (req.url ?? '').startsWith(CONTENT_PREFIX)) {
      serveContentRoute(req, res, content, guard).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
      return;
    }
    serveStatic(rendererDir, req, res, headers).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  server.on('upgrade', (req, duplex, head) => {
    if (!allowedHost(req)) {
      duplex.end('HTTP/1.1 421 Misdirected Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(req, duplex, head);
  });
  server.on('clientError', (_error, socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  options.content?.setUrlBuilder((sessionId) => contentUrl(sessionId, token));
  const origin = `http://127.0.0.1:${port}`;
  origins.add(origin);
  origins.add(`http://localhost:${port}`);
  headers = {
    'content-security-policy': contentSecurityPolicy(`ws://127.0.0.1:${port} ws://localhost:${port}`),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };

  return {
    url: `${origin}/?token=${encodeURIComponent(token)}`,
    origin,
    token,
    async close() {
      await sockets.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
