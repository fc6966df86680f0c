import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import { PASSWORD, startTestServer, type TestServer } from '../../server/testing/harness';
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore, type Core } from '../../src-main/core';
import { SN_POLICY_INPUT } from '../support/sn-policy';

/**
 * The app's core enrolling against the real server on real PostgreSQL, with its keys in the real
 * Secret Service: what a cashier's terminal and a student's laptop do on first run.
 */
let session: SecretServiceSession;
let server: TestServer;
const cores: Core[] = [];

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
});
afterAll(async () => {
  for (const core of cores.splice(0)) await core.close();
  await server.close();
  await session.stop();
});

async function newCore(options: { dataDir?: string; service?: string } = {}) {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'outpost-enroll-')));
  const service = options.service ?? `outpost-test-${randomUUID()}`;
  // One app database per process, as in the app: the enrollment lives in it (issue #16).
  for (const open of cores.splice(0)) await open.close();
  const core = await createCore({
    dataDir,
    appVersion: '0.0.0-test',
    platform: 'linux',
    defaultServerUrl: server.url,
    keyStore: new KeytarKeyStore({ service }),
    reachabilityIntervalMs: 60_000,
  });
  cores.push(core);
  const call = (method: string, input: unknown = {}) => callCommand(core.handlers, method, input);
  return { core, call, dataDir, service };
}

async function enrollmentCode(): Promise<string> {
  const admin = await server.user(`admin-${randomUUID()}@school.test`, ['pay_admin']);
  const policy = await server.call('POST', '/offline/policies', {
    token: admin.token,
    body: SN_POLICY_INPUT,
  });
  expect(policy.status).toBe(200);
  const res = await server.call('POST', '/offline/enrollment-codes', {
    token: admin.token,
    body: { tenant_type: 'merchant', tenant_id: 'shop-42', country: 'SN', currency_default: 'XOF' },
  });
  expect(res.status).toBe(201);
  return (res.body as { code: string }).code;
}

describe('terminal enrollment with a one-time code', () => {
  it('enrolls, survives a restart, and the code works only once', async () => {
    const code = await enrollmentCode();
    const till = await newCore();
    // Typed the way people type: lower case, spaces instead of dashes.
    const typed = code.toLowerCase().replace(/-/g, ' ');
    const enrollment = await till.call('enrollment.redeemCode', { code: typed });
    expect(enrollment).toMatchObject({
      state: 'enrolled',
      mode: 'pos',
      serverUrl: server.url,
      tenant: { type: 'merchant', id: 'shop-42' },
      country: 'SN',
      currency: 'XOF',
    });
    const status = (await till.call('app.status')) as {
      deviceId: string;
      enrollment: string;
      fingerprint: string;
    };
    expect(status.enrollment).toBe('enrolled');

    const devices = await server.pool.query('select device_id, fingerprint, status from offline_devices');
    expect(devices.rows).toContainEqual({
      device_id: status.deviceId,
      fingerprint: status.fingerprint,
      status: 'active',
    });

    await expect(till.call('enrollment.redeemCode', { code })).rejects.toMatchObject({ code: 'CONFLICT' });
    const checked = (await till.call('enrollment.checkIn')) as { lastCheckInAt: string; state: string };
    expect(checked.state).toBe('enrolled');

    const other = await newCore();
    await expect(other.call('enrollment.redeemCode', { code })).rejects.toMatchObject({
      code: 'ENROLLMENT_CODE_INVALID',
    });
    expect(await other.call('enrollment.get')).toMatchObject({ state: 'not_enrolled' });

    const restarted = await newCore({ dataDir: till.dataDir, service: till.service });
    const after = (await restarted.call('app.status')) as { deviceId: string; enrollment: string };
    expect(after).toMatchObject({ deviceId: status.deviceId, enrollment: 'enrolled' });
  });

  it('says why when the server is unreachable, and stays not enrolled', async () => {
    const till = await newCore();
    await till.call('settings.update', { serverUrl: 'http://127.0.0.1:9' });
    await expect(till.call('enrollment.redeemCode', { code: 'ABCD-EFGH-JKMN' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    expect(await till.call('enrollment.get')).toMatchObject({ state: 'not_enrolled' });
  });
});

describe('student laptop registration', () => {
  it('registers with the student signed in, and learns of deregistration at the next check-in', async () => {
    const email = `student-${randomUUID()}@school.test`;
    const student = await server.user(email, ['student']);
    const laptop = await newCore();
    await expect(
      laptop.call('enrollment.registerLaptop', { email, password: 'wrong', name: 'My laptop' }),
    ).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(await laptop.call('enrollment.get')).toMatchObject({ state: 'not_enrolled' });

    const enrollment = await laptop.call('enrollment.registerLaptop', {
      email,
      password: PASSWORD,
      name: 'My laptop',
    });
    expect(enrollment).toMatchObject({ state: 'enrolled', mode: 'laptop', userEmail: email });
    const { deviceId } = (await laptop.call('app.status')) as { deviceId: string };

    const listed = await server.call('GET', '/api/v1/offline/devices', { token: student.token });
    expect(
      (listed.body as { devices: Array<{ device_id: string }> }).devices.map((d) => d.device_id),
    ).toEqual([deviceId]);
    const removed = await server.call('DELETE', `/api/v1/offline/devices/${deviceId}`, {
      token: student.token,
    });
    expect(removed.status).toBe(200);
    expect(await laptop.call('enrollment.checkIn')).toMatchObject({ state: 'revoked' });
  });
});
