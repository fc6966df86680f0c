import type pg from 'pg';
import type { SignInRequest, TokenResponse } from '../../protocol/http';
import { appendAudit } from '../audit/chain';
import { withTransaction, type Queryable } from '../db/tx';
import type { ServerKeys } from '../keys/server-keys';
import { verifyPassword } from './passwords';
import { scryptGate } from './scrypt-gate';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  hashRefreshToken,
  issueAccessToken,
  newRefreshToken,
  REFRESH_TOKEN_TTL_SECONDS,
} from './tokens';
import { findUserByEmail, findUserById, type UserRow } from './users';

export interface AuthDeps {
  pool: pg.Pool;
  keys: ServerKeys;
  /** A hash of a random password at the configured cost: unknown emails cost the same work. */
  dummyHash: string;
}

async function tokensFor(
  client: pg.PoolClient,
  keys: ServerKeys,
  user: Pick<UserRow, 'id' | 'email' | 'roles' | 'token_version'>,
  familyId: string | null,
): Promise<TokenResponse> {
  const refresh = newRefreshToken();
  await client.query(
    `INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at)
     VALUES ($1, coalesce($2::uuid, gen_random_uuid()), $3, now() + make_interval(secs => $4))`,
    [user.id, familyId, refresh.hash, REFRESH_TOKEN_TTL_SECONDS],
  );
  return {
    access_token: await issueAccessToken(keys, {
      userId: user.id,
      roles: user.roles,
      tokenVersion: user.token_version,
    }),
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_TTL_SECONDS,
    refresh_token: refresh.token,
    user: { id: user.id, email: user.email, roles: user.roles },
  };
}

/**
 * Undefined for wrong credentials, whatever was wrong. A failure writes nothing: the caller is not
 * authenticated, so it may not add to the audit log (nor take its lock); the error handler counts
 * it in outpost_auth_failures_total instead.
 */
export async function signIn(deps: AuthDeps, input: SignInRequest): Promise<TokenResponse | undefined> {
  const user = await checkCredentials(deps, input);
  if (!user) return undefined;
  return withTransaction(deps.pool, async (client) => {
    const tokens = await tokensFor(client, deps.keys, user, null);
    await appendAudit(client, {
      actorType: 'user',
      actorId: user.id,
      action: 'auth.sign_in',
      targetType: 'user',
      targetId: user.id,
    });
    return tokens;
  });
}

/**
 * The enabled user these credentials name, or undefined whatever was wrong (also the console's
 * sign-in, server/console). Unknown emails cost the same scrypt work as known ones.
 */
export async function checkCredentials(deps: AuthDeps, input: SignInRequest): Promise<UserRow | undefined> {
  const user = await findUserByEmail(deps.pool, input.email);
  // Hashing happens before any transaction: it is the slow part and must not hold one open.
  // Through the gate, in the account's turn: a flood of one account's sign-ins waits in its own line.
  const passwordOk = await scryptGate.run(input.email.toLowerCase(), () =>
    verifyPassword(input.password, user?.password_hash ?? deps.dummyHash),
  );
  return user && passwordOk && !user.disabled ? user : undefined;
}

export type RefreshOutcome = { ok: true; tokens: TokenResponse } | { ok: false };

/**
 * Rotates a refresh token. The conditional UPDATE is the atomic "use once": two concurrent
 * refreshes with one token cannot both succeed. Presenting an already rotated token means it
 * leaked (or a client raced itself): every token of that sign-in is revoked.
 */
export async function refresh(deps: AuthDeps, token: string): Promise<RefreshOutcome> {
  const hash = hashRefreshToken(token);
  return withTransaction(deps.pool, async (client) => {
    const used = await client.query<{ user_id: string; family_id: string }>(
      `UPDATE refresh_tokens SET revoked_at = now()
       WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
       RETURNING user_id, family_id`,
      [hash],
    );
    const row = used.rows[0];
    if (!row) {
      const revoked = await client.query<{ user_id: string; family_id: string }>(
        `UPDATE refresh_tokens SET revoked_at = now()
         WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND revoked_at IS NOT NULL)
           AND revoked_at IS NULL
         RETURNING user_id, family_id`,
        [hash],
      );
      const victim = revoked.rows[0];
      if (victim) {
        // Only a once-valid refresh token gets here (its hash matched a rotated one), and the row
        // names no actor from the request: the server itself detected the reuse and revoked.
        await appendAudit(client, {
          actorType: 'system',
          action: 'auth.refresh_reuse_detected',
          targetType: 'user',
          targetId: victim.user_id,
          details: { family_id: victim.family_id, revoked: revoked.rowCount },
        });
      }
      return { ok: false };
    }
    const user = await findUserById(client, row.user_id);
    if (!user || user.disabled) return { ok: false };
    const tokens = await tokensFor(client, deps.keys, user, row.family_id);
    await appendAudit(client, {
      actorType: 'user',
      actorId: user.id,
      action: 'auth.refresh',
      targetType: 'user',
      targetId: user.id,
      details: { family_id: row.family_id },
    });
    return { ok: true, tokens };
  });
}

/**
 * Whether `token` is a refresh token that a refresh would accept now (issued, not rotated or
 * revoked, not expired): one lookup on the token hash's unique index. The throttle asks it only of
 * a refresh from an address whose failure counter is full (server/throttle/rules.ts).
 */
export async function refreshTokenLive(db: Queryable, token: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'SELECT 1 FROM refresh_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()',
    [hashRefreshToken(token)],
  );
  return rowCount === 1;
}

/** Revokes the token's whole family. Unknown or already revoked tokens change nothing. */
export async function signOut(deps: AuthDeps, token: string): Promise<void> {
  await withTransaction(deps.pool, async (client) => {
    const { rows, rowCount } = await client.query<{ user_id: string; family_id: string }>(
      `UPDATE refresh_tokens SET revoked_at = now()
       WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1) AND revoked_at IS NULL
       RETURNING user_id, family_id`,
      [hashRefreshToken(token)],
    );
    const first = rows[0];
    if (!first) return;
    await appendAudit(client, {
      actorType: 'user',
      actorId: first.user_id,
      action: 'auth.sign_out',
      targetType: 'user',
      targetId: first.user_id,
      details: { family_id: first.family_id, revoked: rowCount },
    });
  });
}
