import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness';
import { enrollTerminal, SN_POLICY } from './test-support';

/**
 * Attack test of issue #16, item 6: a stranger probing POST /offline/push for device ids that
 * exist. An unknown device id and a known device with a bad signature must get byte-identical
 * answers (status, headers, body); only a signature that verifies may learn DEVICE_NOT_FOUND.
 */

let s: TestServer;
let admin: string;

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('probe-admin@example.com', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
});

/**
 * What a stranger sees of an answer: everything but the per-request date and id. A refusal carries
 * the server's signed statement for the device id and envelope the request named (#16, 12th pass
 * M-A), so it differs by what the stranger sent and by the time: its shape is compared, and that it
 * names the device id sent, never whether that device exists.
 */
async function answer(envelope: { device_id: string; [field: string]: unknown }) {
  const res = await s.call('POST', '/offline/push', { body: envelope });
  const headers = [...res.headers.entries()].filter(
    ([k]) => !['date', 'x-request-id', 'content-length', 'etag'].includes(k),
  );
  const body = JSON.parse(res.text) as { error: { statement?: Record<string, unknown> } };
  const statement = body.error.statement;
  expect(statement?.device_id).toBe(envelope.device_id);
  const shape = statement && Object.keys(statement).sort();
  return { status: res.status, headers, body: { ...body, error: { ...body.error, statement: shape } } };
}

describe('POST /offline/push: an unknown device and a bad signature get the same answer', () => {
  it('answers an unknown device id exactly as a known device with a bad signature', async () => {
    const t = await enrollTerminal(s, admin);
    const envelope = await t.bundle(t.sales(1));
    const sig = envelope.signature;
    const badSignature = await answer({
      ...envelope,
      signature: (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1),
    });
    const unknownDevice = await answer({ ...envelope, device_id: 'POS-nobody-here' });
    expect(badSignature.status).toBe(401);
    expect(badSignature.body.error).toMatchObject({ code: 'INVALID_SIGNATURE' });
    expect(unknownDevice).toEqual(badSignature);
  });

  it('tells only the holder of a revoked device key DEVICE_NOT_FOUND', async () => {
    const t = await enrollTerminal(s, admin);
    const envelope = await t.bundle(t.sales(1));
    await s.pool.query(
      `UPDATE offline_devices SET status = 'revoked', revoked_at = now() WHERE device_id = $1`,
      [t.id],
    );
    const sig = envelope.signature;
    const forged = await answer({ ...envelope, signature: (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1) });
    expect(forged.status).toBe(401);
    expect(forged.body.error).toMatchObject({ code: 'INVALID_SIGNATURE' });
    const genuine = await answer(envelope);
    expect(genuine.status).toBe(404);
    expect(genuine.body.error).toMatchObject({ code: 'DEVICE_NOT_FOUND' });
  });
});
