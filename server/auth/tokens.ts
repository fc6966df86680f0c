import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Role } from '../../protocol/http';
import type { ServerKeys } from '../keys/server-keys';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
const ISSUER = 'outpost';
const AUDIENCE = 'outpost-api';

export interface AccessClaims {
  userId: string;
  roles: readonly Role[];
  /** The user's token_version at issue (claim `tv`; 0 when absent). */
  tokenVersion?: number;
}

/** `expiresAt` (seconds since the epoch) is for tests that need an already expired token. */
export function issueAccessToken(
  keys: ServerKeys,
  claims: AccessClaims,
  { expiresAt }: { expiresAt?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: [...claims.roles], tv: claims.tokenVersion ?? 0 })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: keys.signing.kid })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.userId)
    .setJti(randomUUID())
    .setIssuedAt(expiresAt === undefined ? now : Math.min(now, expiresAt - 1))
    .setExpirationTime(expiresAt ?? now + ACCESS_TOKEN_TTL_SECONDS)
    .sign(keys.signing.privateKey);
}

export type AccessCheck =
  { ok: true; userId: string; tokenVersion: number } | { ok: false; expired: boolean };

/** Never throws: anything wrong with the token is just "not authenticated". */
export async function verifyAccessToken(keys: ServerKeys, token: string): Promise<AccessCheck> {
  try {
    const { payload } = await jwtVerify(token, keys.signing.publicKey, {
      algorithms: ['EdDSA'],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: 'at+jwt',
    });
    const sub = payload.sub;
    if (
      typeof sub !== 'string' ||
      !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(sub)
    ) {
      return { ok: false, expired: false };
    }
    // Tokens issued before the claim existed are version 0, as every user was then.
    const tv = payload.tv ?? 0;
    if (typeof tv !== 'number' || !Number.isSafeInteger(tv)) return { ok: false, expired: false };
    return { ok: true, userId: sub, tokenVersion: tv };
  } catch (err) {
    return { ok: false, expired: err instanceof errors.JWTExpired };
  }
}

export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
