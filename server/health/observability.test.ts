import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthFull } from '../../protocol/http';
import { MIGRATIONS_DIR } from '../db/migrate';
import {
  newDevice,
  PASSWORD,
  startTestServer,
  TEST_METRICS_TOKEN,
  type TestServer,
} from '../testing/harness';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const SEED_METRICS = {
  counter: [
    'offline_bundles_pushed_total',
    'offline_bundles_accepted_total',
    'offline_bundles_rejected_total',
    'offline_devices_registered_total',
    'offline_licenses_issued_total',
    'offline_downloads_total',
    'offline_rate_limit_exceeded_total',
  ],
  histogram: [
    'offline_reconciliation_duration_seconds',
    'offline_sira_score_distribution',
    'offline_encryption_duration_seconds',
    'offline_download_duration_seconds',
    'http_request_duration_seconds',
  ],
  gauge: ['offline_active_devices', 'offline_active_licenses', 'offline_pending_jobs'],
};

describe('/metrics', () => {
  it('exposes every seed metric with its type, gauges computed from the database', async () => {
    const admin = await s.user('admin@example.com', ['pay_admin']);
    const d = newDevice('POS');
    await s.call('POST', '/offline/devices', {
      token: admin.token,
      body: {
        device_id: d.id,
        tenant_type: 'merchant',
        tenant_id: 'm',
        pubkey_pem: d.pem,
        x25519_pub: d.x25519,
        country: 'SN',
        currency_default: 'XOF',
      },
    });
    const res = await s.call('GET', '/metrics', { token: TEST_METRICS_TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    for (const [type, names] of Object.entries(SEED_METRICS)) {
      for (const name of names) expect(res.text).toContain(`# TYPE ${name} ${type}`);
    }
    expect(res.text).toMatch(/^offline_active_devices 1$/m);
    expect(res.text).toMatch(/offline_devices_registered_total\{via="admin"\} [1-9]/);
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/offline\/devices",status="201"\}/,
    );
  });

  it('labels unknown paths as one series', async () => {
    await s.call('GET', '/no/such/path/123');
    const res = await s.call('GET', '/metrics', { token: TEST_METRICS_TOKEN });
    expect(res.text).not.toContain('/no/such/path');
    expect(res.text).toContain('route="unmatched"');
  });
});

// Second review of #16 (low): /metrics and /health/full answered anyone, handing a stranger the
// fleet's size, refusal reasons by code, worker state and the schema version.
describe('who may read /metrics and /health/full', () => {
  it('refuses a stranger, a wrong token and a user without ops; answers the token and the ops role', async () => {
    const user = await s.user('nosy@example.com', ['student', 'pay_admin']);
    const ops = await s.user('ops@example.com', ['ops']);
    for (const path of ['/metrics', '/health/full']) {
      const stranger = await s.call('GET', path);
      expect([stranger.status, (stranger.body as { error?: { code?: string } })?.error?.code]).toEqual([
        401,
        'UNAUTHENTICATED',
      ]);
      expect(stranger.text).not.toContain('offline_');
      expect((await s.call('GET', path, { token: `${TEST_METRICS_TOKEN}x` })).status).toBe(401);
      expect((await s.call('GET', path, { token: user.token })).status).toBe(403);
      expect((await s.call('GET', path, { token: ops.token })).status).toBe(200);
      expect((await s.call('GET', path, { token: TEST_METRICS_TOKEN })).status).toBe(200);
    }
    // Liveness and readiness stay public, for load balancers and orchestrators.
    expect((await s.call('GET', '/health/live')).status).toBe(200);
    expect((await s.call('GET', '/health/ready')).status).toBe(200);
  });
});

describe('/health/full', () => {
  it('reports database, migration version and worker heartbeat', async () => {
    const res = await s.call('GET', '/health/full', { token: TEST_METRICS_TOKEN });
    expect(res.status).toBe(200);
    const body = HealthFull.parse(res.body);
    expect(body.database.status).toBe('connected');
    // The newest migration file, whichever issue added it last.
    const newest = readdirSync(MIGRATIONS_DIR)
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .at(-1)!
      .replace(/\.sql$/, '');
    expect(body.migrations.version).toBe(newest);
    expect(body.worker).toEqual({ status: 'not_running', last_heartbeat_at: null });

    await s.pool.query("INSERT INTO worker_heartbeats (worker_id, kind) VALUES ('w1', 'reconcile')");
    const running = HealthFull.parse(
      (await s.call('GET', '/health/full', { token: TEST_METRICS_TOKEN })).body,
    );
    expect(running.worker.status).toBe('running');
    expect(running.status).toBe('ok');
    await s.pool.query("UPDATE worker_heartbeats SET heartbeat_at = now() - interval '10 minutes'");
    expect(
      HealthFull.parse((await s.call('GET', '/health/full', { token: TEST_METRICS_TOKEN })).body).worker
        .status,
    ).toBe('stale');
  });
});

describe('logs', () => {
  it('carry the request id and never passwords, tokens or signatures', async () => {
    const u = await s.user('logs@example.com', ['student']);
    await s.call('GET', '/api/v1/offline/devices', {
      token: u.token,
      headers: { 'x-request-id': 'req-abc-123' },
    });
    const all = s.logs.join('');
    expect(all).toContain('"reqId":"req-abc-123"');
    for (const secret of [PASSWORD, u.token, u.tokens.refresh_token]) expect(all).not.toContain(secret);
  });
});
