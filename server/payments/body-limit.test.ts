import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpErrorBodySchema } from '../../protocol/http';
import { AUTH_BODY_LIMIT, JSON_BODY_LIMIT } from '../app';
import { jsonDepthRefusals, MAX_JSON_DEPTH } from '../http/json-depth';
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
    expect([AUTH_BODY_LIMIT, MAX_JSON_DEPTH]).toEqual(['16kb', 64]);
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

// Third red-team pass, M-C: one unauthenticated request of 10 MB of `[` (5 million levels) held the
// event loop for seconds in JSON.parse and the control-character walk, even when answered 429.
describe('nesting depth and the unauthenticated routes', () => {
  /** `depth` nested arrays around `inner`. */
  const nested = (depth: number, inner = '0') => '['.repeat(depth) + inner + ']'.repeat(depth);

  it('POST /offline/push: 10 MB of nested arrays is refused 400 JSON_TOO_DEEP by the pre-scan, never parsed', async () => {
    const before = jsonDepthRefusals.count;
    const res = await s.call('POST', '/offline/push', { rawBody: '['.repeat(10 * MB) });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('JSON_TOO_DEEP');
    // Unclosed brackets are not JSON: had the parser seen it, the answer would be INVALID_JSON.
    expect(jsonDepthRefusals.count).toBe(before + 1);
  });

  it('every other route: a deep body under its size limit is refused the same way', async () => {
    for (const path of ['/offline/policies', '/offline/devices', '/auth/sign-in']) {
      const res = await s.call('POST', path, { rawBody: nested(MAX_JSON_DEPTH + 1) });
      expect([res.status, errorCode(res)], path).toEqual([400, 'JSON_TOO_DEEP']);
    }
  });

  it('64 levels are read as JSON (refused by the schema), and brackets inside strings do not count', async () => {
    for (const body of [
      nested(MAX_JSON_DEPTH),
      JSON.stringify({ email: '['.repeat(100), password: '{]"\\' }),
    ]) {
      const res = await s.call('POST', '/auth/sign-in', { rawBody: body });
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe('VALIDATION_FAILED');
    }
  });

  it('sign-in, refresh, sign-out and enrollment read 16 KB at most: 413 PAYLOAD_TOO_LARGE', async () => {
    for (const path of ['/auth/sign-in', '/auth/refresh', '/auth/sign-out', '/offline/enroll']) {
      const res = await s.call('POST', path, { rawBody: bodyOf(64 * 1024) });
      expect([res.status, errorCode(res)], path).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    }
  });
});
