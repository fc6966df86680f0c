import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newDevice as newPos, push, resign, Terminal, enrollTerminal } from '../payments/test-support';
import { newDevice, signed, startTestServer, type TestServer } from '../testing/harness';
import { metricValue } from '../testing/metrics';

/**
 * Attack test for issue #16 item 6: strangers used to append audit rows (failed sign-ins, pushes
 * from unknown or unverified devices), under actor ids they chose, and under the chain's global
 * lock. A burst of unauthenticated requests must now write no audit row and move the counters.
 */
let s: TestServer;
let victim: Terminal;
let userEmail: string;
beforeAll(async () => {
  s = await startTestServer();
  const admin = await s.user('pay-admin@example.com', ['pay_admin']);
  userEmail = 'pay-admin@example.com';
  victim = await enrollTerminal(s, admin.token);
});
afterAll(async () => {
  await s?.close();
});

const code = (res: { body: unknown }) => (res.body as { error?: { code?: string } }).error?.code;
const auditRows = async () =>
  Number((await s.pool.query<{ n: string }>('SELECT count(*) AS n FROM offline_audit_logs')).rows[0]!.n);
const failures = (reason: string) => metricValue(s, 'outpost_auth_failures_total', { reason });

describe('unauthenticated requests', () => {
  it('a burst of them writes no audit row and is counted in outpost_auth_failures_total', async () => {
    const rowsBefore = await auditRows();
    const reasons = [
      'INVALID_CREDENTIALS',
      'ENROLLMENT_CODE_INVALID',
      'INVALID_SIGNATURE',
      'UNAUTHENTICATED',
    ];
    const before = Object.fromEntries(await Promise.all(reasons.map(async (r) => [r, await failures(r)])));
    const badSignatures = await metricValue(s, 'offline_bundles_rejected_total', {
      reason: 'INVALID_SIGNATURE',
    });
    const expectRefused = (res: { status: number; body: unknown }, status: number, error: string) => {
      expect(res.status).toBe(status);
      expect(code(res)).toBe(error);
    };

    // Sign-ins as a real account with a wrong password, and as "actors" of the stranger's choosing.
    const emails = [userEmail, 'system@outpost.invalid', 'admin@outpost.invalid', userEmail, 'x@y.example'];
    await Promise.all(
      emails.map(async (email) =>
        expectRefused(
          await s.call('POST', '/auth/sign-in', { body: { email, password: 'guessed password' } }),
          401,
          'INVALID_CREDENTIALS',
        ),
      ),
    );

    // Enrollment with made-up codes, properly signed by the stranger's own new keys.
    for (const attempt of ['ZZZZ-ZZZZ-ZZZZ', 'AAAA-BBBB-CCCC', 'not a code']) {
      const d = newDevice('LAP');
      const body = JSON.stringify({
        code: attempt,
        device_id: d.id,
        pubkey_pem: d.pem,
        x25519_pub: d.x25519,
        fingerprint: d.fingerprint,
      });
      expectRefused(
        await s.call('POST', '/offline/enroll', {
          rawBody: body,
          headers: signed(d, 'POST', '/offline/enroll', body),
        }),
        403,
        'ENROLLMENT_CODE_INVALID',
      );
    }

    // Device requests: unsigned, and signed by a stranger's key under the victim terminal's id.
    const stranger = newDevice('EVE');
    expectRefused(await s.call('POST', '/offline/devices/check-in', { body: {} }), 401, 'INVALID_SIGNATURE');
    expectRefused(
      await s.call('POST', '/offline/devices/check-in', {
        rawBody: '{}',
        headers: signed(
          { id: victim.id, privateKey: stranger.privateKey },
          'POST',
          '/offline/devices/check-in',
          '{}',
        ),
      }),
      401,
      'INVALID_SIGNATURE',
    );

    // Pushes: the victim's id on a bundle the stranger signed, and a device nobody registered: both
    // get the same 401 INVALID_SIGNATURE, so a stranger cannot tell which device ids exist.
    const forged = resign(
      new Terminal(newPos('EVE'), victim.serverKey),
      await victim.bundle(victim.sales(1)),
    );
    expectRefused(await push(s, forged), 401, 'INVALID_SIGNATURE');
    const nobody = new Terminal(newPos('GHOST'), victim.serverKey);
    expectRefused(await push(s, await nobody.bundle(nobody.sales(1))), 401, 'INVALID_SIGNATURE');

    // Bearer routes with no token and with a made-up one.
    expectRefused(await s.call('GET', '/offline/review'), 401, 'UNAUTHENTICATED');
    expectRefused(await s.call('GET', '/offline/review', { token: 'a.b.c' }), 401, 'UNAUTHENTICATED');

    expect(await auditRows()).toBe(rowsBefore);
    expect(await failures('INVALID_CREDENTIALS')).toBe(before.INVALID_CREDENTIALS + 5);
    expect(await failures('ENROLLMENT_CODE_INVALID')).toBe(before.ENROLLMENT_CODE_INVALID + 3);
    expect(await failures('INVALID_SIGNATURE')).toBe(before.INVALID_SIGNATURE + 4);
    expect(await failures('UNAUTHENTICATED')).toBe(before.UNAUTHENTICATED + 2);
    expect(await metricValue(s, 'offline_bundles_rejected_total', { reason: 'INVALID_SIGNATURE' })).toBe(
      badSignatures + 2,
    );
  });
});
