import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpErrorBodySchema } from '../../protocol/http';
import { JSON_BODY_LIMIT } from '../app';
import { startTestServer, type TestServer } from '../testing/harness';
import { PUSH_BODY_LIMIT } from './body';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const MB = 1024 * 1024;
/** A JSON object of about `bytes` bytes: valid JSON, so only its size can refuse it. */
const bodyOf = (bytes: number) => JSON.stringify({ device_id: 'POS-1', pad: 'x'.repeat(bytes) });

function errorCode(res: { status: number; body: unknown }) {
  return httpErrorBodySchema.parse(res.body).error.code;
}

describe('per-route body limits', () => {
  it('the limits are what the docs say', () => {
    expect([JSON_BODY_LIMIT, PUSH_BODY_LIMIT]).toEqual(['1mb', '32mb']);
  });

  it('POST /offline/push reads a body over the default limit and answers it as a bundle', async () => {
    const res = await s.call('POST', '/offline/push', { rawBody: bodyOf(2 * MB) });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('INVALID_BUNDLE');
  });

  it('POST /offline/push over 32 MB: 413 PAYLOAD_TOO_LARGE in the error format', async () => {
    const res = await s.call('POST', '/offline/push', { rawBody: bodyOf(32 * MB + 1) });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(errorCode(res)).toBe('PAYLOAD_TOO_LARGE');
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('every other route keeps the 1 MB default, including the push path with another method', async () => {
    for (const [method, path] of [
      ['POST', '/auth/sign-in'],
      ['POST', '/offline/policies'],
      ['POST', '/offline/devices'],
      ['PUT', '/offline/push'],
    ] as const) {
      const res = await s.call(method, path, { rawBody: bodyOf(2 * MB) });
      expect(res.status, `${method} ${path}`).toBe(413);
      expect(errorCode(res)).toBe('PAYLOAD_TOO_LARGE');
    }
    // Under the limit, the same route answers as usual (here: bad credentials, not a size error).
    const small = await s.call('POST', '/auth/sign-in', { rawBody: bodyOf(1000) });
    expect(small.status).not.toBe(413);
  });
});
