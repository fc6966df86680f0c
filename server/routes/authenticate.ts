import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { TrustErrorCode, type Role } from '../../protocol/http';
import { verifyAccessToken } from '../auth/tokens';
import { findUserById, type UserRow } from '../auth/users';
import { sessionUser } from '../console/session';
import { HttpError } from '../http/errors';
import type { TrustDeps } from './deps';
import type { AuthUser } from './types';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

function unauthenticated(res: Response, code: string, message: string): HttpError {
  res.setHeader('WWW-Authenticate', 'Bearer realm="outpost"');
  return new HttpError(401, code, message);
}

/**
 * Bearer access token → user. Roles, the disabled flag and the token version are read from the
 * database on every request (one row), so disabling a user or removing a role takes effect at once,
 * not after 15 minutes, and a token issued before a password reset or a disable is refused even
 * once the user is enabled again (red-team pass 11, L-3).
 */
export async function authenticateUser(
  deps: TrustDeps,
  req: Request,
  res: Response,
  roles: readonly Role[],
): Promise<AuthUser> {
  // The console's cookie, when no Authorization header says otherwise (tills and scripts send one).
  const cookieUser = req.get('authorization') === undefined ? await sessionUser(deps.pool, req) : undefined;
  if (cookieUser) return withRoles(cookieUser, roles);
  const token = BEARER.exec(req.get('authorization') ?? '')?.[1];
  if (!token) throw unauthenticated(res, TrustErrorCode.UNAUTHENTICATED, 'A bearer access token is required');
  const check = await verifyAccessToken(deps.keys, token);
  if (!check.ok) {
    throw check.expired
      ? unauthenticated(res, TrustErrorCode.TOKEN_EXPIRED, 'Access token expired')
      : unauthenticated(res, TrustErrorCode.UNAUTHENTICATED, 'Invalid access token');
  }
  const user = await findUserById(deps.pool, check.userId);
  if (!user || user.disabled || user.token_version !== check.tokenVersion)
    throw unauthenticated(res, TrustErrorCode.UNAUTHENTICATED, 'Invalid access token');
  return withRoles(user, roles);
}

function withRoles(user: UserRow, roles: readonly Role[]): AuthUser {
  if (!roles.some((role) => user.roles.includes(role))) {
    throw new HttpError(403, TrustErrorCode.FORBIDDEN, 'Your roles do not allow this');
  }
  return { id: user.id, email: user.email, roles: user.roles };
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The operator's routes (/metrics, /health/full): `Authorization: Bearer <METRICS_TOKEN>` when the
 * server has one (a scraper cannot renew 15-minute access tokens), else an access token of a user
 * with the ops role. A stranger gets 401, a signed-in user without ops 403.
 */
export async function authenticateOperator(deps: TrustDeps, req: Request, res: Response): Promise<void> {
  const presented = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '')?.[1];
  // Compared as digests: equal length, and no timing leak of how much of the token matched.
  if (deps.metricsToken && presented && timingSafeEqual(digest(presented), digest(deps.metricsToken))) return;
  await authenticateUser(deps, req, res, ['ops']);
}
