import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Policy, PolicyList } from '../../protocol/http';
import { newDevice, signed, startTestServer, type TestServer } from '../testing/harness';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const sn = {
  country: 'SN',
  currency: 'XOF',
  max_offline_amount: 100_000,
  max_offline_per_device_per_day: 50,
  max_unsynced_amount: 500_000,
  approval_threshold: 50_000,
  enabled: true,
};

describe('policies', () => {
  it('upserts per country, bumping the version only on a change, and audits each change', async () => {
    const admin = await s.user('admin@example.com', ['pay_admin']);
    const ops = await s.user('ops@example.com', ['ops']);
    const first = await s.call('POST', '/offline/policies', { token: admin.token, body: sn });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ ...sn, max_bundle_age_hours: 72, version: 1 });
    const same = await s.call('POST', '/offline/policies', { token: ops.token, body: sn });
    expect((same.body as Policy).version).toBe(1);
    const changed = await s.call('POST', '/offline/policies', {
      token: ops.token,
      body: { ...sn, enabled: false },
    });
    expect((changed.body as Policy).version).toBe(2);
    const { rows } = await s.pool.query("SELECT 1 FROM offline_audit_logs WHERE action = 'policy.changed'");
    expect(rows).toHaveLength(2);

    const list = await s.call('GET', '/offline/policies', { token: ops.token });
    expect((list.body as PolicyList).policies.map((p) => [p.country, p.version])).toEqual([['SN', 2]]);
  });

  it('validates amounts as integer minor units and known currencies', async () => {
    const admin = await s.user('admin2@example.com', ['pay_admin']);
    for (const patch of [
      { max_offline_amount: 10.5 },
      { max_offline_amount: -1 },
      { max_offline_amount: 2 ** 53 },
      { currency: 'XYZ' },
      { country: 'sn' },
      { max_bundle_age_hours: 0 },
      { enabled: 'yes' },
    ]) {
      const res = await s.call('POST', '/offline/policies', {
        token: admin.token,
        body: { ...sn, ...patch },
      });
      expect(res.status).toBe(400);
    }
  });

  it('refuses users without pay_admin or ops', async () => {
    const teacher = await s.user('teacher@example.com', ['teacher']);
    expect((await s.call('POST', '/offline/policies', { token: teacher.token, body: sn })).status).toBe(403);
    expect((await s.call('GET', '/offline/policies', { token: teacher.token })).status).toBe(403);
  });

  it('devices get their own country policy at check-in', async () => {
    const admin = await s.user('admin3@example.com', ['pay_admin']);
    const d = newDevice('POS');
    await s.call('POST', '/offline/devices', {
      token: admin.token,
      body: {
        device_id: d.id,
        tenant_type: 'agent',
        tenant_id: 'a1',
        pubkey_pem: d.pem,
        x25519_pub: d.x25519,
        country: 'SN',
        currency_default: 'XOF',
      },
    });
    const res = await s.call('POST', '/offline/devices/check-in', {
      rawBody: '{}',
      headers: signed(d, 'POST', '/offline/devices/check-in', '{}'),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ policy: { country: 'SN', version: 2, enabled: false } });
  });
});
