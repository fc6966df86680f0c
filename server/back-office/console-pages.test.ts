import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyHistory, PolicyInput } from '../../protocol/http';
import { enrollTerminal, SN_POLICY } from '../payments/test-support';
import { consoleSignIn, fromConsole, type ConsoleBrowser } from '../testing/console-browser';
import { startTestServer, type TestServer } from '../testing/harness';

/**
 * What the console's Tills, Enrollment codes, Laptops and Policies pages call (issue #19, items 4-5),
 * through the console's own session cookie: the policy history the Policies page shows, and each
 * role refused what its menu hides.
 */
let s: TestServer;
let admin: ConsoleBrowser;
beforeAll(async () => {
  s = await startTestServer();
  await s.user('pages-admin@example.com', ['pay_admin']);
  admin = await consoleSignIn(s, 'pages-admin@example.com');
});
afterAll(async () => {
  await s?.close();
});

const code = (res: { body: unknown }) => (res.body as { error?: { code?: string } }).error?.code;
const setPolicy = async (b: ConsoleBrowser, policy: PolicyInput) => {
  const res = await fromConsole(s, b, 'POST', '/offline/policies', policy);
  expect(res.status, res.text).toBe(200);
};

describe('a policy history', () => {
  it('lists each audited change newest first: who, version, before → after; only that country', async () => {
    await s.user('pages-ops@example.com', ['ops']);
    const ops = await consoleSignIn(s, 'pages-ops@example.com');
    const ml = { ...SN_POLICY, country: 'ML' };
    await setPolicy(admin, ml);
    await setPolicy(ops, { ...ml, max_offline_amount: 80_000 });
    // The same values again change nothing: no new version, no new entry.
    await setPolicy(ops, { ...ml, max_offline_amount: 80_000 });
    await setPolicy(admin, { ...SN_POLICY, country: 'BF' });

    const res = await fromConsole(s, ops, 'GET', '/offline/policies/ML/history');
    expect(res.status, res.text).toBe(200);
    const { changes } = res.body as PolicyHistory;
    expect(changes.map((c) => [c.actor_email, c.version])).toEqual([
      ['pages-ops@example.com', 2],
      ['pages-admin@example.com', 1],
    ]);
    expect(changes[0]!.before).toEqual(ml);
    expect(changes[0]!.after).toEqual({ ...ml, max_offline_amount: 80_000 });
    expect(changes[1]!.before).toBeNull();
    expect(Date.parse(changes[0]!.at)).toBeGreaterThanOrEqual(Date.parse(changes[1]!.at));

    const none = await fromConsole(s, admin, 'GET', '/offline/policies/CI/history');
    expect(none.body).toEqual({ changes: [] });
  });
});

describe('each role, by the console cookie', () => {
  // Every route the four pages call, and who may call it (protocol/http/back-office-routes.ts).
  const routes = (till: string): [method: string, path: string, body: unknown, mayOps: boolean][] => [
    ['GET', '/offline/tills', undefined, true],
    ['GET', '/offline/enrollment-codes', undefined, true],
    ['GET', '/offline/policies', undefined, true],
    ['GET', '/offline/policies/SN/history', undefined, true],
    ['GET', '/offline/laptops', undefined, false],
    [
      'POST',
      '/offline/enrollment-codes',
      { tenant_type: 'merchant', tenant_id: 'x', country: 'SN', currency_default: 'XOF' },
      false,
    ],
    ['DELETE', '/offline/enrollment-codes/00000000-0000-4000-8000-000000000000', undefined, false],
    ['POST', `/offline/tills/${till}/revoke`, { reason: 'stolen' }, false],
    ['DELETE', '/offline/laptops/LAP-0000000000000000', undefined, false],
  ];

  for (const role of ['ops', 'teacher'] as const) {
    it(`${role}: only what its pages show; 403 FORBIDDEN on the rest`, async () => {
      await s.user(`pages-${role}-only@example.com`, [role]);
      const b = await consoleSignIn(s, `pages-${role}-only@example.com`);
      const till = await enrollTerminal(
        s,
        (await s.user(`pages-${role}-boss@example.com`, ['pay_admin'])).token,
      );
      for (const [method, path, body, mayOps] of routes(till.id)) {
        const res = await fromConsole(s, b, method, path, body);
        if (role === 'ops' && mayOps) expect(res.status, `${role} ${method} ${path}`).toBe(200);
        else {
          expect(res.status, `${role} ${method} ${path}`).toBe(403);
          expect(code(res)).toBe('FORBIDDEN');
        }
      }
      // A policy: ops may change it (the Policies page's form), a teacher may not.
      const policy = await fromConsole(s, b, 'POST', '/offline/policies', { ...SN_POLICY, country: 'GN' });
      expect(policy.status).toBe(role === 'ops' ? 200 : 403);
      // The till refused to be revoked is still in service.
      const tills = await fromConsole(s, admin, 'GET', '/offline/tills');
      const listed = (tills.body as { tills: { device_id: string; status: string }[] }).tills;
      expect(listed.find((t) => t.device_id === till.id)?.status).toBe('active');
    });
  }
});
