import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach } from 'vitest';

/** What the proxy does with one exchange: pass it on, rewrite the JSON answer, or answer itself. */
export type Tamper = (exchange: {
  method: string;
  path: string;
  /** The request's query (a request_nonce a proxy would copy into a statement of its own). */
  query: URLSearchParams;
  request: unknown;
  answer: unknown;
}) => { status?: number; body: unknown } | null;

export interface TamperingProxy {
  /** The address the laptop is given: to it, this is the server. */
  url: string;
  /** null: every exchange passes untouched. */
  tamper: Tamper | null;
  /** The JSON answers that went through, by path, oldest first (replays take them from here). */
  answers: { path: string; body: unknown }[];
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the real server, as an attacker on the network (or the user's own
 * machine) would run one: it sees every request, forwards it unchanged (device signatures stay
 * valid), and may rewrite or replace the server's answer before the laptop reads it.
 */
export async function startTamperingProxy(target: string): Promise<TamperingProxy> {
  const proxy: TamperingProxy = { url: '', tamper: null, answers: [], close: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers))
          if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
            headers[name] = value;
        const upstream = await fetch(`${target}${req.url ?? '/'}`, {
          method: req.method ?? 'GET',
          headers,
          ...(body.length ? { body } : {}),
        });
        const text = await upstream.text();
        const { pathname: path, searchParams: query } = new URL(req.url ?? '/', target);
        let answer: unknown = text;
        try {
          answer = JSON.parse(text);
        } catch {
          // not JSON: passed on as it is
        }
        proxy.answers.push({ path, body: answer });
        const request = body.length ? (JSON.parse(body.toString()) as unknown) : undefined;
        const changed = proxy.tamper?.({ method: req.method ?? 'GET', path, query, request, answer }) ?? null;
        const status = changed ? (changed.status ?? upstream.status) : upstream.status;
        const out = changed ? JSON.stringify(changed.body) : text;
        res.writeHead(status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(out);
      })().catch((error: unknown) => {
        res.writeHead(502).end(String(error));
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

/**
 * The hooks of a test file whose till talks to the server through this proxy: untampered again after
 * each test, everything closed after the last (what `parts` holds then; a part never started is skipped).
 */
export function proxiedTillHooks(
  parts: () => {
    till?: { close(): Promise<void> };
    proxy?: TamperingProxy;
    server?: { close(): Promise<void> };
    session?: { stop(): Promise<void> };
  },
): void {
  afterEach(() => {
    const { proxy } = parts();
    if (proxy) proxy.tamper = null;
  });
  afterAll(async () => {
    const { till, proxy, server, session } = parts();
    await till?.close();
    await proxy?.close();
    await server?.close();
    await session?.stop();
  });
}
