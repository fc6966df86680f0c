import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ServerMessage } from '../../protocol/api';
import { createCore, type Core } from '../core';
import { startHost, type Host } from './host';

let core: Core;
let host: Host;
let outside: string;

beforeAll(async () => {
  const base = await mkdtemp(join(tmpdir(), 'outpost-host-'));
  const rendererDir = join(base, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Outpost</title>');
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  outside = join(base, 'secret.txt');
  await writeFile(outside, 'do not serve');
  core = await createCore({
    dataDir: join(base, 'data'),
    appVersion: '9.9.9',
    platform: 'test',
    defaultServerUrl: 'http://127.0.0.1:9',
  });
  host = await startHost({ handlers: core.handlers, rendererDir });
});
afterAll(async () => {
  await host.close();
  await core.close();
});

function rawGet(path: string, headers: Record<string, string> = {}) {
  const { port } = new URL(host.origin);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

function open(options: { token?: string | null; origin?: string | null } = {}) {
  const token = options.token === undefined ? host.token : options.token;
  const url = `ws://127.0.0.1:${new URL(host.origin).port}/api${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
  const origin = options.origin === undefined ? host.origin : options.origin;
  return new WebSocket(url, origin === null ? {} : { origin });
}

function refusal(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => resolve(101));
    ws.on('error', () => undefined);
  });
}

function client(ws: WebSocket) {
  const inbox: ServerMessage[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    inbox.push(JSON.parse(data.toString()) as ServerMessage);
    waiters.splice(0).forEach((w) => w());
  });
  const next = async (pred: (m: ServerMessage) => boolean): Promise<ServerMessage> => {
    for (;;) {
      const found = inbox.find(pred);
      if (found) return found;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const ready = new Promise<void>((r) => ws.once('open', () => r()));
  return { inbox, next, ready };
}

describe('browser host', () => {
  it('prints a loopback URL carrying the token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
  });

  it('serves the renderer with a strict CSP and nothing outside it', async () => {
    const index = await rawGet('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await rawGet('/assets/app.js')).headers['content-type']).toMatch(/javascript/);
    expect((await rawGet('/../secret.txt')).status).toBe(404);
    expect((await rawGet('/%2e%2e/secret.txt')).status).toBe(404);
    expect((await rawGet('/assets/%2e%2e/%2e%2e/secret.txt')).body).not.toContain('do not serve');
    expect((await rawGet('/%E0%A4%A')).status).toBe(400);
    expect((await rawGet('/nope.js')).status).toBe(404);
  });

  it('refuses requests naming another host (DNS rebinding)', async () => {
    expect((await rawGet('/', { host: 'evil.example' })).status).toBe(421);
  });

  it('refuses a socket without the token, with a wrong token, or from another origin', async () => {
    expect(await refusal(open({ token: null }))).toBe(401);
    expect(await refusal(open({ token: 'x'.repeat(43) }))).toBe(401);
    expect(await refusal(open({ origin: 'http://evil.example' }))).toBe(403);
    expect(await refusal(open({ origin: null }))).toBe(403);
    expect(await refusal(open())).toBe(101);
  });

  it('answers calls and streams live status', async () => {
    const ws = open();
    const c = client(ws);
    await c.ready;
    ws.send(JSON.stringify({ type: 'call', id: 1, method: 'app.status', input: {} }));
    const result = await c.next((m) => m.type === 'result' && m.id === 1);
    expect(result).toMatchObject({ value: { appVersion: '9.9.9', enrollment: 'not_enrolled' } });
    ws.send(JSON.stringify({ type: 'subscribe', id: 2, topic: 'device.status', input: {} }));
    const first = await c.next((m) => m.type === 'item' && m.id === 2);
    expect(first).toMatchObject({ item: { server: { url: 'http://127.0.0.1:9' } } });
    ws.send(
      JSON.stringify({
        type: 'call',
        id: 3,
        method: 'settings.update',
        input: { serverUrl: 'http://127.0.0.1:10' },
      }),
    );
    await c.next((m) => m.type === 'item' && m.id === 2 && JSON.stringify(m).includes('127.0.0.1:10'));
    ws.close();
  });

  it('answers malformed input with typed errors and stays up', async () => {
    const ws = open();
    const c = client(ws);
    await c.ready;
    ws.send('{not json');
    ws.send(JSON.stringify({ type: 'call', id: 'x' }));
    ws.send(JSON.stringify({ type: 'call', id: 4, method: 'settings.update', input: { currency: 12 } }));
    ws.send(JSON.stringify({ type: 'call', id: 5, method: 'rm -rf', input: {} }));
    expect(await c.next((m) => m.type === 'error' && m.id === 4)).toMatchObject({
      error: { code: 'INVALID_INPUT' },
    });
    expect(await c.next((m) => m.type === 'error' && m.id === 5)).toMatchObject({
      error: { code: 'UNKNOWN_METHOD' },
    });
    expect(c.inbox.filter((m) => m.type === 'protocol-error')).toHaveLength(2);
    ws.send(JSON.stringify({ type: 'call', id: 6, method: 'settings.get', input: {} }));
    await c.next((m) => m.type === 'result' && m.id === 6);
    ws.close();
  });

  it('closes the socket on binary or oversized frames', async () => {
    const binary = open();
    await client(binary).ready;
    binary.send(Buffer.from([1, 2, 3]));
    expect(await new Promise((r) => binary.on('close', (code) => r(code)))).toBe(1003);

    const big = open();
    await client(big).ready;
    big.send('x'.repeat(1024 * 1024 + 1));
    expect(await new Promise((r) => big.on('close', (code) => r(code)))).toBe(1009);
  });
});
