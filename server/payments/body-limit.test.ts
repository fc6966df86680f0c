import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpErrorBodySchema } from '../../protocol/http';
import { AUTH_BODY_LIMIT, JSON_BODY_LIMIT } from '../app';
import { jsonDepthRefusals, MAX_JSON_DEPTH, MAX_JSON_VALUES } from '../http/json-depth';
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

  it('sign-in, refresh, sign-out, enrollment, console setup and link acceptance read 16 KB at most: 413', async () => {
    for (const path of [
      '/auth/sign-in',
      '/auth/refresh',
      '/auth/sign-out',
      '/offline/enroll',
      // Eighth red-team pass M-2: both took the 1 MB default.
      '/console/setup',
      '/console/links/accept',
    ]) {
      const res = await s.call('POST', path, { rawBody: bodyOf(64 * 1024) });
      expect([res.status, errorCode(res)], path).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    }
  });
});

// Fourth red-team pass: the byte scan above read UTF-16 bodies wrongly (a backslash's 0x00 half
// made it think it was inside a string), gzip turned 31 KB into 32 MB of work before any check, and
// a body wide rather than deep (3 million keys) held the event loop ~7 s. Bodies are UTF-8 and
// uncompressed only, and their number of values is bounded by the same scan.
describe('charsets, compression and width', () => {
  const post = (path: string, body: Uint8Array, headers: Record<string, string>) =>
    fetch(`${s.url}${path}`, { method: 'POST', headers, body }).then(async (res) => ({
      status: res.status,
      body: (await res.json()) as unknown,
    }));

  it('a UTF-16 body is 415 UNSUPPORTED_MEDIA_TYPE before anything reads it, on push and elsewhere', async () => {
    // `"\"` then 65 levels: read as UTF-8 bytes, the scan once counted none of these brackets.
    const text = '["\\"",' + '['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1) + ']';
    // Fifth pass: a decoy `charset=utf-8` inside another parameter's quoted value fooled a regex
    // while the parser decoded UTF-16; the check now reads the charset the parser itself took.
    const spellings = [
      'application/json; charset=utf-16le',
      'application/json; x="; charset=utf-8"; charset=utf-16le',
      'application/json; x="\\"; charset=utf-8"; charset=utf-16le',
    ];
    for (const path of ['/offline/push', '/offline/policies', '/auth/sign-in', '/no-such-route'])
      for (const contentType of spellings) {
        const res = await post(path, Buffer.from(text, 'utf16le'), { 'content-type': contentType });
        expect([res.status, errorCode(res)], `${path} ${contentType}`).toEqual([
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        ]);
      }
    // UTF-8 named in either case is read as before.
    for (const charset of ['utf-8', 'UTF-8']) {
      const res = await post('/auth/sign-in', Buffer.from(nestedBody(MAX_JSON_DEPTH + 1)), {
        'content-type': `application/json; charset=${charset}`,
      });
      expect([res.status, errorCode(res)], charset).toEqual([400, 'JSON_TOO_DEEP']);
    }
  });

  it('a compressed body is 415: 31 KB of gzip no longer unpacks into 32 MB of JSON', async () => {
    const bomb = gzipSync(Buffer.from('["x",' + '0,'.repeat(4 * MB) + '0]'));
    expect(bomb.length).toBeLessThan(64 * 1024);
    for (const encoding of ['gzip', 'deflate']) {
      const body = encoding === 'gzip' ? bomb : deflateSync(Buffer.from('{"a":1}'));
      const res = await post('/offline/push', body, {
        'content-type': 'application/json',
        'content-encoding': encoding,
      });
      expect([res.status, errorCode(res)], encoding).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    }
  });

  it('a body with more values than MAX_JSON_VALUES is 413 by the pre-scan, never parsed', async () => {
    const before = jsonDepthRefusals.count;
    // Depth 1, 2 million keys (~22 MB, under the push limit): 3 million held the event loop ~7 s.
    const wide = '{' + Array.from({ length: 2_000_000 }, (_, i) => `"${i}":0`).join(',') + '}';
    const res = await s.call('POST', '/offline/push', { rawBody: wide });
    expect([res.status, errorCode(res)]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    expect(jsonDepthRefusals.count).toBe(before + 1);
    // Just under the bound is read as JSON (and refused by the bundle schema instead).
    const under = '[' + '0,'.repeat(MAX_JSON_VALUES - 3) + '0]';
    const ok = await s.call('POST', '/offline/push', { rawBody: under });
    expect([ok.status, errorCode(ok)]).toEqual([400, 'INVALID_BUNDLE']);
    expect(jsonDepthRefusals.count).toBe(before + 1);
  });
});

const nestedBody = (depth: number) => '['.repeat(depth) + '0' + ']'.repeat(depth);
