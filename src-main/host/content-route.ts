import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { ContentSessions } from '../core/reader';
import { tokensEqual } from './security';

export const CONTENT_PREFIX = '/content/';

/** The page's URL for a content session: relative, so it works from 127.0.0.1 and localhost alike. */
export function contentUrl(sessionId: string, token: string): string {
  return `${CONTENT_PREFIX}${encodeURIComponent(sessionId)}?token=${encodeURIComponent(token)}`;
}

/**
 * `GET|HEAD /content/<sessionId>?token=…`: an opened material's decrypted bytes, with Range. Guarded
 * like the API socket: the Host header was checked by the caller, the per-run token must match, and a
 * request another site's page makes (Origin or Sec-Fetch-Site) is refused, so only our page reads it.
 */
export async function serveContentRoute(
  req: IncomingMessage,
  res: ServerResponse,
  content: ContentSessions,
  guard: { token: string; origins: ReadonlySet<string> },
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if (
    (origin !== undefined && !guard.origins.has(origin)) ||
    (site !== undefined && site !== 'same-origin' && site !== 'none')
  ) {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('Origin not allowed');
    return;
  }
  if (!tokensEqual(guard.token, url.searchParams.get('token'))) {
    res.writeHead(401, { 'content-type': 'text/plain' }).end('Bad token');
    return;
  }
  let sessionId: string;
  try {
    sessionId = decodeURIComponent(url.pathname.slice(CONTENT_PREFIX.length));
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('Bad request');
    return;
  }
  const reply = await content.serve(sessionId, req.headers.range, req.method ?? 'GET');
  res.writeHead(reply.status, reply.headers);
  if (!reply.body) {
    res.end();
    return;
  }
  // A viewer that cancels a range (pdf.js does) closes the socket: not an error worth reporting.
  await pipeline(reply.body, res).catch(() => {
    if (!res.destroyed) res.destroy();
  });
}
