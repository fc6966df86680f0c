import { createHash, randomBytes } from 'node:crypto';
import { ConsoleErrorCode, type UserLink } from '../../protocol/http';
import type { Queryable } from '../db/tx';
import { HttpError } from '../http/errors';

/** Single-use links (setup, invitation, password reset): only the token's SHA-256 is stored. */
export type LinkKind = 'setup' | 'invite' | 'reset';

export const LINK_TTL_SECONDS: Record<LinkKind, number> = {
  setup: 24 * 3600,
  invite: 7 * 24 * 3600,
  reset: 24 * 3600,
};

export const hashLinkToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new link; earlier unused links of the same kind for the same user (or setup) stop working. */
export async function issueLink(db: Queryable, kind: LinkKind, userId: string | null): Promise<UserLink> {
  await db.query(
    `UPDATE console_links SET used_at = now()
     WHERE kind = $1 AND user_id IS NOT DISTINCT FROM $2 AND used_at IS NULL`,
    [kind, userId],
  );
  const token = randomBytes(32).toString('base64url');
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO console_links (token_hash, kind, user_id, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING expires_at`,
    [hashLinkToken(token), kind, userId, LINK_TTL_SECONDS[kind]],
  );
  return { token, expires_at: rows[0]!.expires_at.toISOString() };
}

/**
 * Refuses a token that is not a live link of one of `kinds` with the code consumeLink would use,
 * without locking or using it up: one indexed lookup, run before any scrypt so a flood of made-up
 * tokens costs no password hashing (issue #16, eighth pass M-2). consumeLink checks again.
 */
export async function checkLink(
  db: Queryable,
  token: string,
  kinds: readonly LinkKind[],
  codes: { invalid: string; expired: string; used: string },
  lock = false,
): Promise<{ kind: LinkKind; userId: string | null }> {
  const { rows } = await db.query<{
    kind: LinkKind;
    user_id: string | null;
    expired: boolean;
    used: boolean;
  }>(
    `SELECT kind, user_id, expires_at <= now() AS expired, used_at IS NOT NULL AS used
     FROM console_links WHERE token_hash = $1${lock ? ' FOR UPDATE' : ''}`,
    [hashLinkToken(token)],
  );
  const link = rows[0];
  if (!link || !kinds.includes(link.kind)) throw new HttpError(404, codes.invalid, 'Unknown link');
  if (link.used) throw new HttpError(410, codes.used, 'This link has already been used');
  if (link.expired) throw new HttpError(410, codes.expired, 'This link has expired');
  return { kind: link.kind, userId: link.user_id };
}

/** Whether a check passes (true) or refuses with an HttpError (false); other errors propagate. */
export const passes = (check: Promise<unknown>): Promise<boolean> =>
  check.then(
    () => true,
    (err: unknown) => {
      if (err instanceof HttpError) return false;
      throw err;
    },
  );

/**
 * Uses up a link of one of `kinds` (inside the caller's transaction; the row is locked so two
 * presentations cannot both succeed). Unknown, expired and used links each have their own code.
 */
export async function consumeLink(
  db: Queryable,
  token: string,
  kinds: readonly LinkKind[],
  codes: { invalid: string; expired: string; used: string },
): Promise<{ kind: LinkKind; userId: string | null }> {
  const link = await checkLink(db, token, kinds, codes, true);
  await db.query('UPDATE console_links SET used_at = now() WHERE token_hash = $1', [hashLinkToken(token)]);
  return link;
}

export const LINK_CODES = {
  invalid: ConsoleErrorCode.LINK_INVALID,
  expired: ConsoleErrorCode.LINK_EXPIRED,
  used: ConsoleErrorCode.LINK_USED,
};
