import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenResponse } from '../../protocol/http';
import { PASSWORD, startTestServer, type TestServer } from '../testing/harness';
import { metricValue } from '../testing/metrics';
import { issueAccessToken } from './tokens';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

const code = (res: { body: unknown }) => (res.body as { error?: { code?: string } }).error?.code;
const auditActions = async () =>
  (await s.pool.query<{ action: string }>('SELECT action FROM offline_audit_logs ORDER BY id')).rows.map(
    (r) => r.action,
  );

describe('sign-in', () => {
  it('returns tokens and the user, lower-casing the email', async () => {
    const admin = await s.user('admin@example.com', ['pay_admin', 'ops']);
    const res = await s.call('POST', '/auth/sign-in', {
      body: { email: 'ADMIN@Example.com', password: PASSWORD },
    });
    expect(res.status).toBe(200);
    const body = res.body as TokenResponse;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      user: { id: admin.id, email: 'admin@example.com' },
    });
    expect(body.user.roles.sort()).toEqual(['ops', 'pay_admin']);
    expect(body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only a hash of the refresh token is stored.
    const stored = await s.pool.query('SELECT 1 FROM refresh_tokens WHERE token_hash = $1', [
      body.refresh_token,
    ]);
    expect(stored.rowCount).toBe(0);
  });

  it('answers unknown email, wrong password and disabled account identically, and counts each, unaudited', async () => {
    await s.user('disabled@example.com', ['student']);
    await s.pool.query("UPDATE users SET disabled = true WHERE email = 'disabled@example.com'");
    const before = (await auditActions()).length;
    const failures = () => metricValue(s, 'outpost_auth_failures_total', { reason: 'INVALID_CREDENTIALS' });
    const counted = await failures();
    const attempts = [
      { email: 'nobody@example.com', password: PASSWORD },
      { email: 'admin@example.com', password: 'wrong password' },
      { email: 'disabled@example.com', password: PASSWORD },
    ];
    const bodies = [];
    for (const body of attempts) {
      const res = await s.call('POST', '/auth/sign-in', { body });
      expect(res.status).toBe(401);
      bodies.push(res.body);
    }
    expect(bodies[0]).toEqual({ error: { code: 'INVALID_CREDENTIALS', message: 'Wrong email or password' } });
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
    // Whoever failed to sign in is nobody: no audit row (issue #16), only the counter.
    expect((await auditActions()).length).toBe(before);
    expect(await failures()).toBe(counted + 3);
  });

  it('rejects malformed input with 400, not 401 or 500', async () => {
    for (const body of [
      {},
      { email: 'x', password: 'y' },
      { email: 'a@b', password: 5 },
      { email: 'a@b', password: '' },
    ]) {
      const res = await s.call('POST', '/auth/sign-in', { body });
      expect(res.status).toBe(400);
      expect(code(res)).toBe('VALIDATION_FAILED');
    }
    const bad = await s.call('POST', '/auth/sign-in', { rawBody: '{"email":' });
    expect(code(bad)).toBe('INVALID_JSON');
  });

  it('never logs passwords or tokens', async () => {
    const all = s.logs.join('');
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain('wrong password');
    const { rows } = await s.pool.query<{ details: unknown }>('SELECT details FROM offline_audit_logs');
    expect(JSON.stringify(rows)).not.toContain(PASSWORD);
  });
});

describe('refresh and sign-out', () => {
  it('rotates refresh tokens; a reused one revokes the whole sign-in', async () => {
    const u = await s.user('rotate@example.com', ['student']);
    const first = await s.call('POST', '/auth/refresh', { body: { refresh_token: u.tokens.refresh_token } });
    expect(first.status).toBe(200);
    const next = first.body as TokenResponse;
    expect(next.refresh_token).not.toBe(u.tokens.refresh_token);

    const reused = await s.call('POST', '/auth/refresh', { body: { refresh_token: u.tokens.refresh_token } });
    expect(reused.status).toBe(401);
    expect(code(reused)).toBe('UNAUTHENTICATED');
    // The legitimate successor dies with it: the family is compromised.
    const after = await s.call('POST', '/auth/refresh', { body: { refresh_token: next.refresh_token } });
    expect(after.status).toBe(401);
    expect(await auditActions()).toContain('auth.refresh_reuse_detected');
  });

  it('two concurrent refreshes with one token: exactly one wins', async () => {
    const u = await s.user('race@example.com', ['student']);
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        s.call('POST', '/auth/refresh', { body: { refresh_token: u.tokens.refresh_token } }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('sign-out revokes the refresh token and is idempotent', async () => {
    const u = await s.user('signout@example.com', ['student']);
    const out = await s.call('POST', '/auth/sign-out', { body: { refresh_token: u.tokens.refresh_token } });
    expect(out.status).toBe(204);
    expect(out.text).toBe('');
    const again = await s.call('POST', '/auth/sign-out', { body: { refresh_token: u.tokens.refresh_token } });
    expect(again.status).toBe(204);
    const res = await s.call('POST', '/auth/refresh', { body: { refresh_token: u.tokens.refresh_token } });
    expect(res.status).toBe(401);
  });

  it('refuses unknown and malformed refresh tokens', async () => {
    const res = await s.call('POST', '/auth/refresh', { body: { refresh_token: 'A'.repeat(43) } });
    expect(res.status).toBe(401);
    expect((await s.call('POST', '/auth/refresh', { body: { refresh_token: 'short' } })).status).toBe(400);
  });
});

describe('bearer tokens and roles', () => {
  it('401 UNAUTHENTICATED without, with garbage or with a foreign-key token; 401 TOKEN_EXPIRED when expired', async () => {
    const u = await s.user('tok@example.com', ['ops']);
    const none = await s.call('GET', '/offline/policies');
    expect(none.status).toBe(401);
    expect(code(none)).toBe('UNAUTHENTICATED');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(code(await s.call('GET', '/offline/policies', { token: 'a.b.c' }))).toBe('UNAUTHENTICATED');

    const foreign = await new SignJWT({ roles: ['ops'] })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
      .setIssuer('outpost')
      .setAudience('outpost-api')
      .setSubject(u.id)
      .setExpirationTime('5m')
      .sign(generateKeyPairSync('ed25519').privateKey);
    expect(code(await s.call('GET', '/offline/policies', { token: foreign }))).toBe('UNAUTHENTICATED');

    const expired = await issueAccessToken(
      s.trust.deps.keys,
      { userId: u.id, roles: ['ops'] },
      {
        expiresAt: Math.floor(Date.now() / 1000) - 60,
      },
    );
    const res = await s.call('GET', '/offline/policies', { token: expired });
    expect(res.status).toBe(401);
    expect(code(res)).toBe('TOKEN_EXPIRED');

    expect((await s.call('GET', '/offline/policies', { token: u.token })).status).toBe(200);
  });

  it('403 FORBIDDEN for the wrong role; roles are read fresh from the database', async () => {
    const u = await s.user('student@example.com', ['student']);
    const res = await s.call('GET', '/offline/policies', { token: u.token });
    expect(res.status).toBe(403);
    expect(code(res)).toBe('FORBIDDEN');
    await s.pool.query("UPDATE users SET roles = '{ops}' WHERE id = $1", [u.id]);
    expect((await s.call('GET', '/offline/policies', { token: u.token })).status).toBe(200);
    await s.pool.query('UPDATE users SET disabled = true WHERE id = $1', [u.id]);
    expect(code(await s.call('GET', '/offline/policies', { token: u.token }))).toBe('UNAUTHENTICATED');
  });
});
