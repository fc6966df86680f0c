import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type pg from 'pg';
import { ConsoleErrorCode, TrustErrorCode, type ConsoleSession } from '../../protocol/http';
import { appendAudit } from '../audit/chain';
import { findUserById, type UserRow } from '../auth/users';
import type { Queryable } from '../db/tx';
import { HttpError } from '../http/errors';

/**
 * The console's browser session (issue #19): an opaque token in an HttpOnly, SameSite=Strict
 * cookie (Secure when the request came over https, as Express's req.secure tells: behind a proxy
 * only with TRUST_PROXY set, which lets it read X-Forwarded-Proto), checked against the database
 * on every request so sign-out and disabling end it at once. Requests that change state must also
 * carry the session's CSRF token in X-CSRF-Token and, when the browser names one, our own Origin.
 */
export const SESSION_COOKIE = 'outpost_console';
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_TTL_SECONDS = 12 * 3600;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The session cookie's token from the Cookie header; undefined when absent or malformed. */
export function sessionToken(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return TOKEN.test(value) ? value : undefined;
    }
  }
  return undefined;
}

function cookieOptions(req: Request) {
  return { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' } as const;
}

/** Opens a session for a user who just proved their password; sets its cookie. */
export async function openSession(
  client: pg.PoolClient,
  req: Request,
  res: Response,
  user: Pick<UserRow, 'id' | 'email' | 'roles'>,
): Promise<ConsoleSession> {
  const token = randomBytes(32).toString('base64url');
  const csrf = randomBytes(32).toString('base64url');
  await client.query(
    `INSERT INTO console_sessions (user_id, token_hash, csrf_token, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
    [user.id, hashToken(token), csrf, SESSION_TTL_SECONDS],
  );
  await appendAudit(client, {
    actorType: 'user',
    actorId: user.id,
    action: 'console.sign_in',
    targetType: 'user',
    targetId: user.id,
  });
  res.cookie(SESSION_COOKIE, token, { ...cookieOptions(req), maxAge: SESSION_TTL_SECONDS * 1000 });
  return { user: { id: user.id, email: user.email, roles: user.roles }, csrf_token: csrf };
}

interface LiveSession {
  id: string;
  csrf: string;
  user: UserRow;
}

/** The live session the request's cookie names, with its enabled user; undefined otherwise. */
export async function findSession(db: Queryable, req: Request): Promise<LiveSession | undefined> {
  const token = sessionToken(req);
  if (!token) return undefined;
  const { rows } = await db.query<{ id: string; user_id: string; csrf_token: string }>(
    `SELECT id, user_id, csrf_token FROM console_sessions
     WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()`,
    [hashToken(token)],
  );
  const row = rows[0];
  if (!row) return undefined;
  const user = await findUserById(db, row.user_id);
  if (!user || user.disabled) return undefined;
  return { id: row.id, csrf: row.csrf_token, user };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The CSRF defence of a request made with the cookie: a state-changing method must present the
 * session's token (which another site cannot read: it is only ever in our JSON answers) and must
 * not come from another origin or site, when the browser says where it comes from.
 */
export function assertSameOriginRequest(req: Request, csrf: string): void {
  if (SAFE_METHODS.has(req.method)) return;
  assertNotCrossSite(req);
  const presented = Buffer.from(req.get(CSRF_HEADER) ?? '');
  const expected = Buffer.from(csrf);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected))
    throw refuse('The session’s CSRF token is missing or wrong');
}

const refuse = (why: string) => new HttpError(403, ConsoleErrorCode.CSRF_REJECTED, why);

/**
 * Refuses a request the browser says comes from another origin or site (also the console's
 * sign-in, so another site cannot sign a visitor into an account of its choosing).
 */
export function assertNotCrossSite(req: Request): void {
  const origin = req.get('origin');
  if (origin !== undefined && origin !== `${req.protocol}://${req.get('host') ?? ''}`)
    throw refuse('Request from another origin');
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') throw refuse('Cross-site request');
}

/**
 * The user of the request's console session for a route that needs `roles`, or undefined when the
 * request carries no session cookie at all (the bearer check then answers). A cookie that names no
 * live session is a 401; a state-changing request without the CSRF token a 403.
 */
export async function sessionUser(db: Queryable, req: Request): Promise<UserRow | undefined> {
  if (sessionToken(req) === undefined) return undefined;
  const session = await findSession(db, req);
  if (!session)
    throw new HttpError(401, TrustErrorCode.UNAUTHENTICATED, 'The console session has ended: sign in again');
  assertSameOriginRequest(req, session.csrf);
  return session.user;
}

/** Ends one session (sign-out); the cookie is cleared whatever the session was. */
export async function closeSession(db: Queryable, req: Request, res: Response): Promise<void> {
  const session = await findSession(db, req);
  if (session) {
    assertSameOriginRequest(req, session.csrf);
    await db.query('UPDATE console_sessions SET revoked_at = now() WHERE id = $1', [session.id]);
  }
  res.clearCookie(SESSION_COOKIE, cookieOptions(req));
}

/** Ends every session and refresh token of a user (disabling, password reset). */
export async function endSessionsOf(client: Queryable, userId: string): Promise<number> {
  // Bearer access tokens too: those issued before now are refused (server/routes/authenticate.ts).
  await client.query('UPDATE users SET token_version = token_version + 1 WHERE id = $1', [userId]);
  const sessions = await client.query(
    'UPDATE console_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
    [userId],
  );
  const refresh = await client.query(
    'UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
    [userId],
  );
  return (sessions.rowCount ?? 0) + (refresh.rowCount ?? 0);
}
