import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type pg from 'pg';
import { publicKeyPem, signRequest } from '../../protocol/crypto';
import type { Role, TokenResponse } from '../../protocol/http';
import { freshDatabase } from '../../test/pg/database';
import { createApp } from '../app';
import { createUser } from '../auth/users';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { createLogger, type Logger } from '../logger';
import type { MaterialsStore } from '../materials/blobs/types';
import type { ThrottleLimits } from '../throttle/limits';
import { createTrustBase, type TrustBase } from '../trust-base';
import { rawOkpPublic } from '../../protocol/crypto/okp-raw';

/** Cheap enough for thousands of sign-ins in a test; production uses the default. */
export const TEST_SCRYPT_COST = { N: 1024, r: 8, p: 1 };
export const PASSWORD = 'correct horse battery staple';

/**
 * One master secret for every test server of a process: the audit key is per process (audit/key.ts),
 * so servers started side by side in one test file must share it, as replicas of one deployment do.
 */
export const TEST_MASTER_SECRET = randomBytes(32);
/** The test server's METRICS_TOKEN: `{ token: TEST_METRICS_TOKEN }` reads /metrics and /health/full. */
export const TEST_METRICS_TOKEN = randomBytes(32).toString('base64url');

/** A logger whose JSON lines are kept in `logs`, for tests that read what the server said. */
export function capturingLogger(): { logger: Logger; logs: string[] } {
  const logs: string[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString());
        done();
      },
    }),
  );
  return { logger, logs };
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  /** Sent as is (already serialised), for malformed bodies. */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface TestServer {
  url: string;
  dbUrl: string;
  pool: pg.Pool;
  trust: TrustBase;
  logs: string[];
  call(
    method: string,
    path: string,
    options?: CallOptions,
  ): Promise<{ status: number; body: unknown; text: string; headers: Headers }>;
  user(email: string, roles: Role[]): Promise<{ id: string; token: string; tokens: TokenResponse }>;
  close(): Promise<void>;
}

/** The harness's JSON call against any server's URL (a server process of a multi-process test). */
export function httpCaller(url: string): TestServer['call'] {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
}

export async function startTestServer(
  /** dbUrl: a database already made (a restored dump); default a fresh one. */
  options: {
    throttleLimits?: ThrottleLimits;
    trustProxy?: string;
    dbUrl?: string;
    /** Where material blobs live; default the directory (a temporary one). */
    materialsStore?: MaterialsStore;
    /** The directory store's files (another server's, for an upgrade); default a temporary one. */
    materialsDir?: string;
  } = {},
): Promise<TestServer> {
  const dbUrl = options.dbUrl ?? (await freshDatabase());
  const pool = createPool(dbUrl);
  await migrate(pool);
  const { logger, logs } = capturingLogger();
  const trust = await createTrustBase({
    pool,
    logger,
    masterSecret: TEST_MASTER_SECRET,
    scryptCost: TEST_SCRYPT_COST,
    noncePurgeIntervalMs: 0,
    auditCheckpointIntervalMs: 0,
    metricsToken: TEST_METRICS_TOKEN,
    ...(options.throttleLimits ? { throttleLimits: options.throttleLimits } : {}),
    ...(options.materialsStore ? { materialsStore: options.materialsStore } : {}),
    ...(options.materialsDir ? { materialsDir: options.materialsDir } : {}),
  });
  const server: Server = createApp({
    pool,
    logger,
    routes: trust.routers,
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const call = httpCaller(url);

  const user: TestServer['user'] = async (email, roles) => {
    const created = await createUser(
      pool,
      { email, password: PASSWORD, roles },
      { type: 'system' },
      TEST_SCRYPT_COST,
    );
    const res = await call('POST', '/auth/sign-in', { body: { email, password: PASSWORD } });
    if (res.status !== 200) throw new Error(`sign-in failed: ${res.text}`);
    const tokens = res.body as TokenResponse;
    return { id: created.id, token: tokens.access_token, tokens };
  };

  return {
    url,
    dbUrl,
    pool,
    trust,
    logs,
    call,
    user,
    close: async () => {
      trust.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await pool.end();
    },
  };
}

export interface TestDevice {
  id: string;
  privateKey: KeyObject;
  pem: string;
  x25519: string;
  fingerprint: string;
}

let deviceCounter = 0;
export function newDevice(prefix = 'DEV'): TestDevice {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const x = Buffer.from(rawOkpPublic(generateKeyPairSync('x25519').publicKey)).toString('base64url');
  deviceCounter++;
  return {
    id: `${prefix}-${process.pid}-${deviceCounter}`,
    privateKey,
    pem: publicKeyPem(publicKey),
    x25519: x,
    fingerprint: `fp-${randomBytes(12).toString('hex')}`,
  };
}

/** Headers for a device-signed JSON request over exactly `body`. */
export function signed(
  device: Pick<TestDevice, 'id' | 'privateKey'>,
  method: string,
  path: string,
  body: string,
  now = Date.now(),
): Record<string, string> {
  return {
    'content-type': 'application/json',
    ...signRequest(device.privateKey, { method, path, body: Buffer.from(body), deviceId: device.id }, now),
  };
}

/** POST /offline/enroll with `code`, signed by `device` with the key it registers, as a till does. */
export function enrollSigned(s: Pick<TestServer, 'call'>, device: TestDevice, code: string) {
  const body = JSON.stringify({
    code,
    device_id: device.id,
    pubkey_pem: device.pem,
    x25519_pub: device.x25519,
    fingerprint: device.fingerprint,
  });
  return s.call('POST', '/offline/enroll', {
    rawBody: body,
    headers: signed(device, 'POST', '/offline/enroll', body),
  });
}
