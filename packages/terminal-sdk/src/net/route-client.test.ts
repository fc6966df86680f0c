import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_HEADERS, verifyRequestSignature } from '../../../../protocol/crypto';
import { callRoute } from './route-client';

/**
 * The route client against a real HTTP server that records what it received: paths come from the
 * route table, and the credentials from the route's auth, never more.
 */
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}
const received: Received[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };
let server: Server;
let base: string;
const device = { deviceId: 'dev-1', ...generateKeyPairSync('ed25519') };
const credential = { deviceId: device.deviceId, key: device.privateKey };
const LICENCE = '0b4b8f0e-5e0a-4c55-9d5b-6f7f3a1b2c3d';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const last = () => received.at(-1) as Received;
const signatureHeaders = (headers: IncomingHttpHeaders) =>
  Object.values(DEVICE_HEADERS).filter((name) => headers[name] !== undefined);

describe('route client', () => {
  it('sends no request signature to a public route', async () => {
    answer = { status: 200, body: { signing_public_key_pem: 'pem', hpke_public_key: 'k' } };
    expect(await callRoute(base, 'serverKeys', {})).toEqual({
      signing_public_key_pem: 'pem',
      hpke_public_key: 'k',
    });
    expect(last()).toMatchObject({ method: 'GET', url: '/api/v1/offline/server-keys' });
    expect(signatureHeaders(last().headers)).toEqual([]);
    expect(last().headers.authorization).toBeUndefined();

    // A pushed bundle is authenticated by its envelope's own signature: the request carries none.
    answer = { status: 500, body: {} };
    await expect(callRoute(base, 'pushBundle', { body: { bundle: 1 } })).rejects.toMatchObject({
      code: 'SERVER_ERROR',
    });
    expect(last()).toMatchObject({ method: 'POST', url: '/offline/push' });
    expect(signatureHeaders(last().headers)).toEqual([]);
    // And a caller casting past the types cannot make it sign one.
    await expect(
      callRoute(base, 'pushBundle', { body: {}, device: credential } as unknown as Parameters<
        typeof callRoute<'pushBundle'>
      >[2]),
    ).rejects.toThrow(/not signed/);
  });

  it('signs a device route over the path it fills in from its parameters', async () => {
    answer = { status: 200, body: { license_id: LICENCE, status: 'returned' } };
    await callRoute(base, 'returnLicence', {
      params: { license_id: LICENCE },
      body: { request_nonce: 'n'.repeat(22) },
      device: credential,
    }).catch(() => undefined);
    const request = last();
    expect(request).toMatchObject({ method: 'POST', url: `/api/v1/offline/licenses/${LICENCE}/return` });
    expect(
      verifyRequestSignature(
        device.publicKey,
        {
          method: 'POST',
          path: request.url,
          body: request.body,
          deviceId: String(request.headers[DEVICE_HEADERS.deviceId]),
          timestamp: String(request.headers[DEVICE_HEADERS.timestamp]),
          nonce: String(request.headers[DEVICE_HEADERS.nonce]),
        },
        String(request.headers[DEVICE_HEADERS.signature]),
      ),
    ).toBe(true);
  });

  it('signs the query too, and checks parameters and bodies against the table before sending', async () => {
    answer = { status: 500, body: {} };
    const query = new URLSearchParams({ since: 'c1', request_nonce: 'n' });
    await callRoute(base, 'pullPayments', { query, device: credential }).catch(() => undefined);
    expect(last().url).toBe('/offline/sync/payments?since=c1&request_nonce=n');
    expect(last().headers[DEVICE_HEADERS.signature]).toBeDefined();

    const count = received.length;
    await expect(
      callRoute(base, 'returnLicence', {
        params: { license_id: '../../admin' },
        body: {},
        device: credential,
      }),
    ).rejects.toThrow(/Invalid UUID/);
    await expect(
      callRoute(base, 'signIn', { body: { email: 'not an email', password: '' } } as never),
    ).rejects.toThrow(/body schema/);
    expect(received).toHaveLength(count);
  });

  it('sends a bearer token to a role route and nothing else', async () => {
    answer = { status: 500, body: {} };
    await callRoute(base, 'listUserDevices', { bearer: 'tok' }).catch(() => undefined);
    expect(last()).toMatchObject({ method: 'GET', url: '/api/v1/offline/devices' });
    expect(last().headers.authorization).toBe('Bearer tok');
    expect(signatureHeaders(last().headers)).toEqual([]);
  });
});
