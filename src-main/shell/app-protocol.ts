import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import { protocol } from 'electron';
import type { ContentSessions } from '../core/reader';
import { CONTENT_SECURITY_POLICY } from './security';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const CONTENT_PREFIX = '/content/';

/** Must run before the app is ready: our scheme behaves like https (secure, standard origin). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    // `stream`: opened materials are streamed with Range (src-main/core/reader/content.ts).
    { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
  ]);
}

/** Serves the built renderer from app://outpost/ — never file://, which would grant the page file access. */
export function serveRenderer(rendererDir: string, content: () => ContentSessions | undefined): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'outpost') return new Response('Not found', { status: 404 });
    // app://outpost/content/<session>: an opened material, decrypted in this process, never on disk.
    const sessions = content();
    if (sessions && url.pathname.startsWith(CONTENT_PREFIX)) {
      let sessionId: string;
      try {
        sessionId = decodeURIComponent(url.pathname.slice(CONTENT_PREFIX.length));
      } catch {
        return new Response('Bad request', { status: 400 });
      }
      const reply = await sessions.serve(sessionId, request.headers.get('range'), request.method);
      const body = reply.body ? (Readable.toWeb(reply.body) as ReadableStream<Uint8Array>) : null;
      return new Response(body, { status: reply.status, headers: reply.headers });
    }
    const relative =
      url.pathname === '/' ? 'index.html' : normalize(decodeURIComponent(url.pathname)).slice(1);
    const file = join(rendererDir, relative);
    if (!file.startsWith(rendererDir + sep)) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'content-security-policy': CONTENT_SECURITY_POLICY,
        },
      });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}
