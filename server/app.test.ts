import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Router } from 'express';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { httpErrorBodySchema } from '../protocol/http';
import { freshDatabase } from '../test/pg/database';
import { createApp } from './app';
import { createPool } from './db/pool';
import { HttpError, validate } from './http/errors';
import { createLogger } from './logger';

const dbUrl = await freshDatabase();

/** Collects log lines so tests can check what is (not) logged. */
function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger('info', stream) };
}

async function listen(pool: pg.Pool, routes: Router[] = []) {
  const logs = captureLogs();
  const server: Server = createApp({ pool, logger: logs.logger, routes }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    logs: logs.lines,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = httpErrorBodySchema.parse(await res.json());
  expect(body.error.code).toBe(code);
  return body;
}

const testRoutes = Router()
  .post('/echo', (req, res) => {
    const input = validate(z.object({ n: z.number().int() }), req.body);
    res.json(input);
  })
  .get('/teapot', () => {
    throw new HttpError(418, 'TEAPOT', 'short and stout');
  })
  .get('/boom', async () => {
    await Promise.resolve();
    throw new Error('secret internal detail');
  })
  .get('/zod', () => {
    z.string().parse(42);
  });

describe('http app against a live database', () => {
  let pool: pg.Pool;
  let app: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    pool = createPool(dbUrl);
    app = await listen(pool, [testRoutes]);
  });
  afterAll(async () => {
    await app.close();
    await pool.end();
  });

  it('answers /health/live', async () => {
    const res = await fetch(`${app.url}/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /health/ready when the database is up', async () => {
    const res = await fetch(`${app.url}/health/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', database: 'connected' });
  });

  it('rejects malformed JSON with 400 INVALID_JSON', async () => {
    const res = await fetch(`${app.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"n": 1,',
    });
    await expectError(res, 400, 'INVALID_JSON');
  });

  it('rejects a body over 1 MB with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await fetch(`${app.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 1, pad: 'x'.repeat(1024 * 1024 + 1) }),
    });
    await expectError(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('rejects an unsupported charset with 415', async () => {
    const res = await fetch(`${app.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=klingon' },
      body: '{"n":1}',
    });
    await expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('maps validate() failures to 400 VALIDATION_FAILED with details', async () => {
    const res = await fetch(`${app.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 'one' }),
    });
    const body = await expectError(res, 400, 'VALIDATION_FAILED');
    expect(body.error.details).toEqual([expect.objectContaining({ path: 'n', code: 'invalid_type' })]);
  });

  it('maps a thrown ZodError to 400 VALIDATION_FAILED', async () => {
    await expectError(await fetch(`${app.url}/zod`), 400, 'VALIDATION_FAILED');
  });

  it('accepts valid input', async () => {
    const res = await fetch(`${app.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 7 }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ n: 7 });
  });

  it('passes HttpError status, code and message through', async () => {
    const body = await expectError(await fetch(`${app.url}/teapot`), 418, 'TEAPOT');
    expect(body.error.message).toBe('short and stout');
  });

  it('answers an unknown failure with a generic 500 INTERNAL and logs the detail', async () => {
    const body = await expectError(await fetch(`${app.url}/boom`), 500, 'INTERNAL');
    expect(JSON.stringify(body)).not.toContain('secret internal detail');
    expect(app.logs.join('')).toContain('secret internal detail');
  });

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    await expectError(await fetch(`${app.url}/no/such/route`), 404, 'NOT_FOUND');
  });

  it('answers a wrong method on a known path with 405 and Allow', async () => {
    const res = await fetch(`${app.url}/health/live`, { method: 'DELETE' });
    await expectError(res, 405, 'METHOD_NOT_ALLOWED');
    expect(res.headers.get('allow')).toContain('GET');
  });

  it('echoes a well-formed x-request-id and logs it', async () => {
    const res = await fetch(`${app.url}/health/live`, { headers: { 'x-request-id': 'till-7.req-42' } });
    expect(res.headers.get('x-request-id')).toBe('till-7.req-42');
    expect(app.logs.some((l) => l.includes('"reqId":"till-7.req-42"'))).toBe(true);
  });

  it('replaces a malformed x-request-id with a generated one', async () => {
    const res = await fetch(`${app.url}/health/live`, { headers: { 'x-request-id': 'x'.repeat(500) } });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('generates a request id when none is sent, also on errors', async () => {
    const res = await fetch(`${app.url}/no/such/route`);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never logs request bodies or Authorization headers', async () => {
    await fetch(`${app.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer tok-SECRET-123' },
      body: JSON.stringify({ n: 'body-SECRET-456' }),
    });
    await fetch(`${app.url}/boom`, { headers: { authorization: 'Bearer tok-SECRET-123' } });
    const all = app.logs.join('');
    expect(all).not.toContain('SECRET');
  });
});

describe('readiness when the database is unreachable', () => {
  it('answers 503 DB_UNAVAILABLE', async () => {
    const pool = createPool(`postgresql://postgres@127.0.0.1:${await closedPort()}/postgres`);
    const app = await listen(pool);
    try {
      const res = await fetch(`${app.url}/health/ready`);
      await expectError(res, 503, 'DB_UNAVAILABLE');
      // Liveness is about the process, not its dependencies.
      expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
    } finally {
      await app.close();
      await pool.end();
    }
  });
});
