import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonRecord, Role, UserLink } from '../../protocol/http';
import { scryptGate } from '../auth/scrypt-gate';
import {
  consoleSignIn as browserSignIn,
  fromConsole as browserCall,
  signedInAs as browserAs,
  type ConsoleBrowser as Browser,
} from '../testing/console-browser';
import { PASSWORD, startTestServer, type TestServer } from '../testing/harness';
import { THROTTLE_LIMITS } from '../throttle/limits';
import { SESSION_COOKIE } from './session';
import { announceSetupLink } from './setup';

/**
 * The back office's session, first run and people (issue #19), against the real server and
 * PostgreSQL: each promise attacked as a browser on another site, a stranger or a lesser role would.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const code = (res: { body: unknown }) => (res.body as { error?: { code?: string } }).error?.code;
const NEW_PASSWORD = 'a long new password';

// The console's browser, bound to this file's server (server/testing/console-browser.ts).
const consoleSignIn = (email: string, password = PASSWORD, headers: Record<string, string> = {}) =>
  browserSignIn(s, email, password, headers);
const fromConsole = (b: Browser, method: string, path: string, body?: unknown) =>
  browserCall(s, b, method, path, body);
const signedInAs = (roles: Role[]) => browserAs(s, roles);
let seq = 0;

describe('the console session cookie', () => {
  it('is HttpOnly, SameSite=Strict, Path=/, not Secure over plain http', async () => {
    const b = await signedInAs(['pay_admin']);
    expect(b.setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43};`));
    expect(b.setCookie).toMatch(/; HttpOnly/);
    expect(b.setCookie).toMatch(/; SameSite=Strict/);
    expect(b.setCookie).toMatch(/; Path=\//);
    expect(b.setCookie).not.toMatch(/; Secure/);
    // The answer's CSRF token is not the cookie: a page that can read one still lacks the other.
    expect(b.cookie).not.toContain(b.csrf);
  });

  it('is Secure when a trusted proxy says the request came over https, and only then', async () => {
    const proxied = await startTestServer({ trustProxy: 'loopback' });
    try {
      await proxied.user('tls@example.com', ['ops']);
      const signIn = (srv: TestServer) =>
        srv.call('POST', '/console/session', {
          body: { email: 'tls@example.com', password: PASSWORD },
          headers: { 'x-forwarded-proto': 'https' },
        });
      expect((await signIn(proxied)).headers.get('set-cookie')).toMatch(/; Secure/);
    } finally {
      await proxied.close();
    }
    // Without TRUST_PROXY the header is anyone's to send, and the server ignores it.
    await s.user('tls@example.com', ['ops']);
    const res = await s.call('POST', '/console/session', {
      body: { email: 'tls@example.com', password: PASSWORD },
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(res.headers.get('set-cookie')).not.toMatch(/; Secure/);
  });

  it('authenticates the routes of its roles; the session answer gives back the CSRF token', async () => {
    const b = await signedInAs(['pay_admin']);
    const list = await fromConsole(b, 'GET', '/console/users');
    expect(list.status).toBe(200);
    const again = await s.call('GET', '/console/session', { headers: { cookie: b.cookie } });
    expect(again.body).toEqual({ user: b.user, csrf_token: b.csrf });
  });

  it('without a cookie or token: 401', async () => {
    expect((await s.call('GET', '/console/users')).status).toBe(401);
    expect((await s.call('GET', '/console/session')).status).toBe(401);
    // A made-up cookie is no session either.
    const forged = `${SESSION_COOKIE}=${'A'.repeat(43)}`;
    const res = await s.call('GET', '/console/users', { headers: { cookie: forged } });
    expect(res.status).toBe(401);
    expect(code(res)).toBe('UNAUTHENTICATED');
  });

  it('a cross-site form post, or a fetch without the CSRF token, changes nothing: 403 CSRF_REJECTED', async () => {
    const admin = await signedInAs(['pay_admin']);
    const victim = await signedInAs(['teacher']);
    const path = `/console/users/${victim.id}/status`;
    // What a form on another site makes the browser send (if the cookie were sent at all).
    const form = await s.call('POST', path, {
      rawBody: 'disabled=true',
      headers: {
        cookie: admin.cookie,
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
    });
    expect(form.status).toBe(403);
    expect(code(form)).toBe('CSRF_REJECTED');
    // Same origin, but no token (a script that only has the cookie riding along).
    const noToken = await s.call('POST', path, {
      body: { disabled: true },
      headers: { cookie: admin.cookie },
    });
    expect(code(noToken)).toBe('CSRF_REJECTED');
    // A wrong token of the right length.
    const wrong = await s.call('POST', path, {
      body: { disabled: true },
      headers: { cookie: admin.cookie, 'x-csrf-token': victim.csrf },
    });
    expect(code(wrong)).toBe('CSRF_REJECTED');
    // The right token, from another origin.
    const otherOrigin = await s.call('POST', path, {
      body: { disabled: true },
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, origin: 'https://evil.example' },
    });
    expect(code(otherOrigin)).toBe('CSRF_REJECTED');
    const { rows } = await s.pool.query('SELECT disabled FROM users WHERE id = $1', [victim.id]);
    expect(rows[0]).toEqual({ disabled: false });
    // And from the console itself, it does work.
    expect((await fromConsole(admin, 'POST', path, { disabled: true })).status).toBe(200);
  });

  it('another site cannot sign a visitor in (login CSRF)', async () => {
    await s.user('login-csrf@example.com', ['student']);
    const res = await s.call('POST', '/console/session', {
      body: { email: 'login-csrf@example.com', password: PASSWORD },
      headers: { origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('sign-out ends the session on the server: the old cookie is refused afterwards', async () => {
    const b = await signedInAs(['pay_admin']);
    const noToken = await s.call('DELETE', '/console/session', { headers: { cookie: b.cookie } });
    expect(code(noToken)).toBe('CSRF_REJECTED');
    const out = await fromConsole(b, 'DELETE', '/console/session');
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(new RegExp(`^${SESSION_COOKIE}=;`));
    expect((await fromConsole(b, 'GET', '/console/users')).status).toBe(401);
  });

  it('disabling a user ends their console sessions and refresh tokens at once', async () => {
    const admin = await signedInAs(['pay_admin']);
    const email = `disabled-${++seq}@example.com`;
    const { id, tokens } = await s.user(email, ['pay_admin']);
    const victim = await consoleSignIn(email);
    expect((await fromConsole(victim, 'GET', '/console/users')).status).toBe(200);
    expect((await fromConsole(admin, 'POST', `/console/users/${id}/status`, { disabled: true })).status).toBe(
      200,
    );
    expect((await fromConsole(victim, 'GET', '/console/users')).status).toBe(401);
    expect((await s.call('GET', '/console/session', { headers: { cookie: victim.cookie } })).status).toBe(
      401,
    );
    const refresh = await s.call('POST', '/auth/refresh', { body: { refresh_token: tokens.refresh_token } });
    expect(refresh.status).toBe(401);
    const live = await s.pool.query(
      'SELECT 1 FROM console_sessions WHERE user_id = $1 AND revoked_at IS NULL UNION ALL SELECT 1 FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL',
      [id],
    );
    expect(live.rowCount).toBe(0);
    // Nor can they sign in again, until enabled.
    const again = await s.call('POST', '/console/session', { body: { email, password: PASSWORD } });
    expect(code(again)).toBe('INVALID_CREDENTIALS');
    expect(
      (await fromConsole(admin, 'POST', `/console/users/${id}/status`, { disabled: false })).status,
    ).toBe(200);
    expect((await consoleSignIn(email)).user.id).toBe(id);
  });

  it('no authenticated answer may be cached: Cache-Control no-store on the session, people, a CSV export and a refusal', async () => {
    const admin = await signedInAs(['pay_admin', 'ops']);
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const answers = [
      await s.call('GET', '/console/session', { headers: { cookie: admin.cookie } }),
      await fromConsole(admin, 'GET', '/console/users'),
      await fromConsole(
        admin,
        'GET',
        `/offline/sales/export?from=${day(Date.now() - 2 * 86_400_000)}&to=${day(Date.now() - 86_400_000)}`,
      ),
      await s.call('GET', '/console/users'),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 401]);
    expect(answers.map((a) => a.headers.get('cache-control'))).toEqual(Array(4).fill('no-store'));
  });

  it('bearer clients are unchanged: an Authorization header is used, not the cookie', async () => {
    const { token } = await s.user(`bearer-${++seq}@example.com`, ['pay_admin']);
    const teacher = await signedInAs(['teacher']);
    // A pay_admin's token with a teacher's cookie: the token decides.
    const res = await s.call('GET', '/console/users', { token, headers: { cookie: teacher.cookie } });
    expect(res.status).toBe(200);
  });
});

describe('people are managed by pay_admin alone', () => {
  const routes = (id: string): [string, string, unknown?][] => [
    ['GET', '/console/users'],
    ['POST', '/console/users', { email: 'x@example.com', roles: ['student'] }],
    ['POST', `/console/users/${id}/roles`, { roles: ['pay_admin'] }],
    ['POST', `/console/users/${id}/status`, { disabled: true }],
    ['POST', `/console/users/${id}/reset-link`],
  ];
  for (const role of ['ops', 'teacher', 'student', 'cashier'] as const) {
    it(`${role}: 403 on every people route, by cookie and by bearer token`, async () => {
      const b = await signedInAs([role]);
      const { token } = await s.user(`${role}-bearer-${++seq}@example.com`, [role]);
      for (const [method, path, body] of routes(b.id)) {
        const byCookie = await fromConsole(b, method, path, body);
        expect(byCookie.status, `${method} ${path}`).toBe(403);
        expect(code(byCookie)).toBe('FORBIDDEN');
        const byToken = await s.call(method, path, { token, ...(body === undefined ? {} : { body }) });
        expect(byToken.status, `${method} ${path}`).toBe(403);
      }
      const { rows } = await s.pool.query('SELECT roles FROM users WHERE id = $1', [b.id]);
      expect(rows[0]).toEqual({ roles: [role] });
    });
  }
});

describe('invitations, resets, roles', () => {
  it('invite → the link sets a password once → sign-in; every step audited', async () => {
    const admin = await signedInAs(['pay_admin']);
    const email = `invited-${++seq}@example.com`;
    const invited = await fromConsole(admin, 'POST', '/console/users', { email, roles: ['teacher'] });
    expect(invited.status).toBe(201);
    const { user, link } = invited.body as { user: PersonRecord; link: UserLink };
    expect(user).toMatchObject({ email, roles: ['teacher'], status: 'invited' });
    // Nobody can sign in to an invited account before the invitation is accepted.
    expect(code(await s.call('POST', '/console/session', { body: { email, password: '' } }))).toBe(
      'VALIDATION_FAILED',
    );
    const accepted = await s.call('POST', '/console/links/accept', {
      body: { token: link.token, password: NEW_PASSWORD },
    });
    expect(accepted.body).toEqual({ email });
    const teacher = await consoleSignIn(email, NEW_PASSWORD);
    expect(teacher.user.roles).toEqual(['teacher']);
    const replay = await s.call('POST', '/console/links/accept', {
      body: { token: link.token, password: 'another password!!' },
    });
    expect(replay.status).toBe(410);
    expect(code(replay)).toBe('LINK_USED');
    const list = (await fromConsole(admin, 'GET', '/console/users')).body as { users: PersonRecord[] };
    expect(list.users.find((u) => u.email === email)?.status).toBe('active');
    const { rows } = await s.pool.query<{ action: string; actor_id: string }>(
      "SELECT action, actor_id FROM offline_audit_logs WHERE target_id = $1 AND action LIKE 'user.%' ORDER BY id",
      [user.id],
    );
    expect(rows).toEqual([
      { action: 'user.invited', actor_id: admin.id },
      { action: 'user.invitation_accepted', actor_id: user.id },
    ]);
  });

  it('an invitation refuses a look-alike or odd address, as every other address on the server is checked (red-team pass 11)', async () => {
    const admin = await signedInAs(['pay_admin']);
    for (const email of ['ops@\u0430.test', 'ops@a.test.', 'o\u200bps@a.test', 'ops@localhost']) {
      const res = await fromConsole(admin, 'POST', '/console/users', { email, roles: ['ops'] });
      expect([email, res.status, code(res)]).toEqual([email, 400, 'VALIDATION_FAILED']);
    }
    const fine = await fromConsole(admin, 'POST', '/console/users', {
      email: ' Ops.Two@Example.com',
      roles: ['ops'],
    });
    expect([fine.status, (fine.body as { user: PersonRecord }).user.email]).toEqual([
      201,
      'ops.two@example.com',
    ]);
  });

  it('an unknown link is LINK_INVALID, an expired one LINK_EXPIRED; a duplicate email USER_EXISTS', async () => {
    const admin = await signedInAs(['pay_admin']);
    const unknown = await s.call('POST', '/console/links/accept', {
      body: { token: 'B'.repeat(43), password: NEW_PASSWORD },
    });
    expect([unknown.status, code(unknown)]).toEqual([404, 'LINK_INVALID']);
    const email = `expiring-${++seq}@example.com`;
    const { link } = (await fromConsole(admin, 'POST', '/console/users', { email, roles: ['student'] }))
      .body as {
      link: UserLink;
    };
    await s.pool.query(
      "UPDATE console_links SET expires_at = now() - interval '1 second' WHERE kind = 'invite'",
    );
    const expired = await s.call('POST', '/console/links/accept', {
      body: { token: link.token, password: NEW_PASSWORD },
    });
    expect([expired.status, code(expired)]).toEqual([410, 'LINK_EXPIRED']);
    const dup = await fromConsole(admin, 'POST', '/console/users', { email, roles: ['student'] });
    expect([dup.status, code(dup)]).toEqual([409, 'USER_EXISTS']);
  });

  it('a reset link replaces the password and ends the old sessions; an earlier link dies', async () => {
    const admin = await signedInAs(['pay_admin']);
    const target = await signedInAs(['ops']);
    const first = (await fromConsole(admin, 'POST', `/console/users/${target.id}/reset-link`))
      .body as UserLink;
    const second = (await fromConsole(admin, 'POST', `/console/users/${target.id}/reset-link`))
      .body as UserLink;
    const stale = await s.call('POST', '/console/links/accept', {
      body: { token: first.token, password: NEW_PASSWORD },
    });
    expect(code(stale)).toBe('LINK_USED');
    const ok = await s.call('POST', '/console/links/accept', {
      body: { token: second.token, password: NEW_PASSWORD },
    });
    expect(ok.status).toBe(200);
    expect((await s.call('GET', '/console/session', { headers: { cookie: target.cookie } })).status).toBe(
      401,
    );
    expect(
      code(
        await s.call('POST', '/console/session', { body: { email: target.user.email, password: PASSWORD } }),
      ),
    ).toBe('INVALID_CREDENTIALS');
    await consoleSignIn(target.user.email, NEW_PASSWORD);
  });

  it('a bearer access token issued before a password reset or a disable is refused at once (red-team pass 11, L-3)', async () => {
    const admin = await signedInAs(['pay_admin']);
    const email = `bearer-${++seq}@example.com`;
    const { id, token } = await s.user(email, ['ops']);
    expect((await s.call('GET', '/offline/review', { token })).status).toBe(200);
    const link = (await fromConsole(admin, 'POST', `/console/users/${id}/reset-link`)).body as UserLink;
    expect(
      (await s.call('POST', '/console/links/accept', { body: { token: link.token, password: NEW_PASSWORD } }))
        .status,
    ).toBe(200);
    // It still had 15 minutes to live: whoever held it with the old password is out now.
    const after = await s.call('GET', '/offline/review', { token });
    expect([after.status, code(after)]).toEqual([401, 'UNAUTHENTICATED']);
    // A token from the new password works, until the user is disabled, and not after re-enabling.
    const fresh = (await s.call('POST', '/auth/sign-in', { body: { email, password: NEW_PASSWORD } }))
      .body as {
      access_token: string;
    };
    expect((await s.call('GET', '/offline/review', { token: fresh.access_token })).status).toBe(200);
    for (const disabled of [true, false])
      expect((await fromConsole(admin, 'POST', `/console/users/${id}/status`, { disabled })).status).toBe(
        200,
      );
    expect((await s.call('GET', '/offline/review', { token: fresh.access_token })).status).toBe(401);
  });

  it('disabling a user voids their reset link; a link issued while disabled sets no password (red-team pass 11, L-4)', async () => {
    const admin = await signedInAs(['pay_admin']);
    const target = await signedInAs(['ops']);
    const status = (disabled: boolean) =>
      fromConsole(admin, 'POST', `/console/users/${target.id}/status`, { disabled });
    const accept = (link: UserLink) =>
      s.call('POST', '/console/links/accept', { body: { token: link.token, password: NEW_PASSWORD } });
    const before = (await fromConsole(admin, 'POST', `/console/users/${target.id}/reset-link`))
      .body as UserLink;
    expect((await status(true)).status).toBe(200);
    expect(code(await accept(before))).toBe('LINK_USED');
    const during = (await fromConsole(admin, 'POST', `/console/users/${target.id}/reset-link`))
      .body as UserLink;
    const refused = await accept(during);
    expect([refused.status, code(refused)]).toEqual([403, 'USER_DISABLED']);
    expect((await status(false)).status).toBe(200);
    // Neither link set the password: the old one still signs in, the link's does not.
    expect(
      code(
        await s.call('POST', '/console/session', {
          body: { email: target.user.email, password: NEW_PASSWORD },
        }),
      ),
    ).toBe('INVALID_CREDENTIALS');
    await consoleSignIn(target.user.email);
  });

  it('roles change at once and are audited; the last enabled pay_admin cannot be demoted or disabled', async () => {
    // Only this test's administrator is left enabled.
    await s.pool.query("UPDATE users SET disabled = true WHERE 'pay_admin' = ANY (roles)");
    const admin = await signedInAs(['pay_admin']);
    const other = await signedInAs(['student']);
    const changed = await fromConsole(admin, 'POST', `/console/users/${other.id}/roles`, {
      roles: ['teacher', 'ops'],
    });
    expect((changed.body as PersonRecord).roles).toEqual(['teacher', 'ops']);
    const demote = await fromConsole(admin, 'POST', `/console/users/${admin.id}/roles`, { roles: ['ops'] });
    expect([demote.status, code(demote)]).toEqual([409, 'LAST_ADMIN']);
    const disable = await fromConsole(admin, 'POST', `/console/users/${admin.id}/status`, { disabled: true });
    expect([disable.status, code(disable)]).toEqual([409, 'LAST_ADMIN']);
    const unknown = await fromConsole(
      admin,
      'POST',
      `/console/users/00000000-0000-4000-8000-000000000000/roles`,
      {
        roles: ['student'],
      },
    );
    expect([unknown.status, code(unknown)]).toEqual([404, 'USER_NOT_FOUND']);
    const { rows } = await s.pool.query(
      "SELECT details FROM offline_audit_logs WHERE action = 'user.roles_changed' AND target_id = $1",
      [other.id],
    );
    expect(rows).toEqual([{ details: { from: ['student'], to: ['teacher', 'ops'] } }]);
  });

  // Eighth red-team pass, L-1: a pay_admin invited but not yet accepted counted as one left.
  it('an invited pay_admin who has not accepted does not count as an administrator left', async () => {
    await s.pool.query("UPDATE users SET disabled = true WHERE 'pay_admin' = ANY (roles)");
    const admin = await signedInAs(['pay_admin']);
    const invited = await fromConsole(admin, 'POST', '/console/users', {
      email: `pending-admin-${++seq}@example.com`,
      roles: ['pay_admin'],
    });
    expect((invited.body as { user: PersonRecord }).user.status).toBe('invited');
    const demote = await fromConsole(admin, 'POST', `/console/users/${admin.id}/roles`, { roles: ['ops'] });
    expect([demote.status, code(demote)]).toEqual([409, 'LAST_ADMIN']);
    const disable = await fromConsole(admin, 'POST', `/console/users/${admin.id}/status`, { disabled: true });
    expect([disable.status, code(disable)]).toEqual([409, 'LAST_ADMIN']);
  });
});

describe('first run', () => {
  it('logs a one-time setup link while no user exists; it creates the administrator once', async () => {
    const fresh = await startTestServer();
    try {
      const status = await fresh.call('GET', '/console/setup');
      expect(status.body).toEqual({ needed: true });
      const url = await announceSetupLink(fresh.pool, fresh.url, fresh.trust.deps.logger);
      expect(url).toMatch(new RegExp(`^${fresh.url}/admin/#setup=[A-Za-z0-9_-]{43}$`));
      expect(fresh.logs.join('')).toContain(url);
      const token = url!.split('#setup=')[1]!;
      const wrong = await fresh.call('POST', '/console/setup', {
        body: { token: 'C'.repeat(43), email: 'owner@example.com', password: NEW_PASSWORD },
      });
      expect([wrong.status, code(wrong)]).toEqual([403, 'SETUP_LINK_INVALID']);
      // A restart issues a new link; the one before it stops working.
      const second = (await announceSetupLink(fresh.pool, fresh.url, fresh.trust.deps.logger))!.split(
        '#setup=',
      )[1]!;
      const stale = await fresh.call('POST', '/console/setup', {
        body: { token, email: 'owner@example.com', password: NEW_PASSWORD },
      });
      expect(code(stale)).toBe('SETUP_LINK_INVALID');
      const created = await fresh.call('POST', '/console/setup', {
        body: { token: second, email: 'Owner@example.com', password: NEW_PASSWORD },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        email: 'owner@example.com',
        roles: ['pay_admin', 'ops', 'teacher'],
      });
      const replay = await fresh.call('POST', '/console/setup', {
        body: { token: second, email: 'thief@example.com', password: NEW_PASSWORD },
      });
      expect([replay.status, code(replay)]).toEqual([409, 'SETUP_DONE']);
      expect((await fresh.call('GET', '/console/setup')).body).toEqual({ needed: false });
      // With a user, no link is logged any more.
      expect(await announceSetupLink(fresh.pool, fresh.url, fresh.trust.deps.logger)).toBeUndefined();
      const { rows } = await fresh.pool.query(
        "SELECT actor_id FROM offline_audit_logs WHERE action = 'user.created'",
      );
      expect(rows).toEqual([{ actor_id: 'setup-link' }]);
    } finally {
      await fresh.close();
    }
  });

  it('two setups racing with the same link create one administrator', async () => {
    const fresh = await startTestServer();
    try {
      const token = (await announceSetupLink(fresh.pool, fresh.url, fresh.trust.deps.logger))!.split(
        '#setup=',
      )[1]!;
      const results = await Promise.all(
        ['a', 'b', 'c'].map((who) =>
          fresh.call('POST', '/console/setup', {
            body: { token, email: `${who}@example.com`, password: NEW_PASSWORD },
          }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
      expect((await fresh.pool.query('SELECT 1 FROM users')).rowCount).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});

// Eighth red-team pass, M-2: 40 bogus accepts or setups pushed a real sign-in from 222 ms to 10 s,
// each hashing its password (outside the scrypt gate) before the link or setup state was looked at.
describe('bogus link acceptances and setups (eighth pass M-2)', () => {
  const limit = THROTTLE_LIMITS.acceptLinkFailuresPerAddress.points;

  it('do no scrypt work and are throttled per address; a live link is still accepted, through the gate', async () => {
    expect(THROTTLE_LIMITS.setupFailuresPerAddress.points).toBe(limit);
    const fresh = await startTestServer();
    try {
      const admin = await fresh.user(`m2-admin@example.com`, ['pay_admin']);
      const before = scryptGate.started;
      for (let i = 0; i < limit; i++) {
        const accept = await fresh.call('POST', '/console/links/accept', {
          body: { token: `bogus-${i}`.padEnd(43, 'x'), password: NEW_PASSWORD },
        });
        expect([accept.status, code(accept)]).toEqual([404, 'LINK_INVALID']);
        const setup = await fresh.call('POST', '/console/setup', {
          body: { token: `bogus-${i}`.padEnd(43, 'x'), email: 'x@example.com', password: NEW_PASSWORD },
        });
        expect([setup.status, code(setup)]).toEqual([409, 'SETUP_DONE']);
      }
      // Answered from the link or setup state alone: not one password was hashed.
      expect(scryptGate.started).toBe(before);
      for (const path of ['/console/links/accept', '/console/setup']) {
        const over = await fresh.call('POST', path, {
          body: { token: 'D'.repeat(43), email: 'x@example.com', password: NEW_PASSWORD },
        });
        expect([over.status, code(over)], path).toEqual([429, 'TOO_MANY_REQUESTS']);
        expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      // The address is full, yet a genuine invitation from it is accepted: its hash takes the gate.
      const email = 'm2-invited@example.com';
      const invited = await fresh.call('POST', '/console/users', {
        body: { email, roles: ['teacher'] },
        headers: { authorization: `Bearer ${admin.token}` },
      });
      expect(invited.status, invited.text).toBe(201);
      const { link } = invited.body as { link: UserLink };
      const accepted = await fresh.call('POST', '/console/links/accept', {
        body: { token: link.token, password: NEW_PASSWORD },
      });
      expect(accepted.body).toEqual({ email });
      expect(scryptGate.started).toBe(before + 1);
    } finally {
      await fresh.close();
    }
  });
});
