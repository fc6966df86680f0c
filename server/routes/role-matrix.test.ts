import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, ROUTES, type Role, type RouteSpec } from '../../protocol/http';
import * as http from '../../protocol/http';
import { allowedRoles, callsIn, consolePages } from '../testing/console-calls';
import { fromConsole, signedInAs, type ConsoleBrowser } from '../testing/console-browser';
import { startTestServer, type TestServer } from '../testing/harness';

/**
 * Issue #19's acceptance: "each role sees only what it may do, and tests that try the other routes
 * get 403". Generated from the route table: every route whose `auth` is a list of roles (and the
 * operator's, which take the ops role), called by a user holding one other role, with a bearer
 * token and with a signed-in console session (cookie, CSRF token, same origin), answers 403
 * FORBIDDEN: not 401 (the caller is known), not 404, not 2xx. Then the console's page list offers
 * each role only pages whose calls that role may make.
 */
let s: TestServer;
const bearer = new Map<Role, string>();
const browser = new Map<Role, ConsoleBrowser>();
beforeAll(async () => {
  s = await startTestServer();
  for (const role of ROLES) {
    const b = await signedInAs(s, [role]);
    browser.set(role, b);
    const signIn = await s.call('POST', '/auth/sign-in', {
      body: { email: b.user.email, password: 'correct horse battery staple' },
    });
    bearer.set(role, (signIn.body as { access_token: string }).access_token);
  }
});
afterAll(async () => {
  await s?.close();
});

const roleRoutes = (Object.entries(ROUTES) as [string, RouteSpec][]).filter(
  ([, spec]) => Array.isArray(spec.auth) || spec.auth === 'operator',
);
/** A path with every `:param` filled with a value of a plausible shape (roles are checked first). */
const concrete = (path: string) =>
  path.replace(/:(\w+)/g, (_, name: string) =>
    /id$/.test(name) ? '00000000-0000-4000-8000-000000000000' : 'SN',
  );

const refused = (res: { status: number; body: unknown }) => [
  res.status,
  (res.body as { error?: { code?: string } } | undefined)?.error?.code,
];

describe('every role-gated route refuses every other role with 403', () => {
  it('covers the back office routes (the table is read, not copied)', () => {
    const names = roleRoutes.map(([name]) => name);
    for (const name of ['listAudit', 'verifyAudit', 'listTills', 'revokeTill', 'listPeople', 'healthFull'])
      expect(names).toContain(name);
  });

  it.each(roleRoutes)('%s', async (_name, spec) => {
    const others = ROLES.filter((r) => !allowedRoles(spec).includes(r));
    expect(others.length, 'a route every role may call belongs in a role-free list').toBeGreaterThan(0);
    const path = concrete(spec.path);
    for (const role of others) {
      const body = spec.method === 'GET' ? {} : { body: {} };
      const withToken = await s.call(spec.method, path, { token: bearer.get(role)!, ...body });
      expect([role, 'bearer', ...refused(withToken)]).toEqual([role, 'bearer', 403, 'FORBIDDEN']);
      const withSession = await fromConsole(
        s,
        browser.get(role)!,
        spec.method,
        path,
        spec.method === 'GET' ? undefined : {},
      );
      expect([role, 'session', ...refused(withSession)]).toEqual([role, 'session', 403, 'FORBIDDEN']);
    }
  });
});

/** Role lists the protocol exports by name (SALES_ROLES, OPERATIONS_ROLES…), which pages test against. */
const NAMED_ROLES: [string, readonly Role[]][] = Object.entries(http as Record<string, unknown>)
  .filter(([name, value]) => /_ROLES$/.test(name) && Array.isArray(value))
  .map(([name, value]) => [name, value as unknown[]] as const)
  .filter((e): e is [string, Role[]] => e[1].every((r) => (ROLES as readonly unknown[]).includes(r)));

describe("the console's page list", () => {
  const pages = consolePages();

  it('reads every page of pages.ts, and every path the pages call is a route of the table', () => {
    expect(pages.map((p) => p.route)).toEqual(expect.arrayContaining(['home', 'people', 'tills', 'audit']));
    const { unknown } = callsIn(pages.flatMap((p) => p.files));
    expect(unknown).toEqual([]);
  });

  it.each(ROLES)('offers %s only pages whose calls it may make', (role) => {
    const problems: string[] = [];
    for (const page of pages) {
      if (page.roles !== 'everyone' && !page.roles.includes(role)) continue;
      const text = page.files.map((f) => readFileSync(f, 'utf8')).join('\n');
      for (const call of callsIn(page.files).calls) {
        const allowed = allowedRoles(ROUTES[call.route]);
        if (allowed.includes(role)) continue;
        // A call only some of the page's users may make is shown behind a check of their roles:
        // `roles.includes('pay_admin')`, or a named role list of the protocol the route's roles cover.
        const gated =
          allowed.some((r) => text.includes(`includes('${r}')`)) ||
          NAMED_ROLES.some(([name, list]) => text.includes(name) && list.every((r) => allowed.includes(r)));
        if (!gated) problems.push(`${page.route}: ${call.route} (${call.file})`);
      }
    }
    expect(problems).toEqual([]);
  });
});
