import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import {
  CONSOLE_ERROR_STATUS,
  ConsoleErrorCode,
  type PersonRecord,
  type Role,
  type UserLink,
} from '../../protocol/http';
import { appendAudit } from '../audit/chain';
import { hashPassword, type ScryptCost } from '../auth/passwords';
import { scryptGate } from '../auth/scrypt-gate';
import { withTransaction, type Queryable } from '../db/tx';
import { HttpError } from '../http/errors';
import { revokeLiveLicences } from '../licences/store';
import type { AuthUser } from '../routes/types';
import { checkLink, consumeLink, issueLink, LINK_CODES } from './links';
import { endSessionsOf } from './session';

/** People in the back office (issue #19): every change is audited with the administrator as actor. */
const PERSON = `SELECT id, email, roles, created_at,
  CASE WHEN disabled THEN 'disabled' WHEN invited THEN 'invited' ELSE 'active' END AS status
  FROM users`;

interface PersonRow extends Omit<PersonRecord, 'created_at'> {
  created_at: Date;
}
const record = (row: PersonRow): PersonRecord => ({ ...row, created_at: row.created_at.toISOString() });

export async function listPeople(db: Queryable): Promise<PersonRecord[]> {
  const { rows } = await db.query<PersonRow>(`${PERSON} ORDER BY email`);
  return rows.map(record);
}

async function person(db: Queryable, id: string, lock = false): Promise<PersonRecord> {
  const { rows } = await db.query<PersonRow>(`${PERSON} WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  if (!rows[0]) throw new HttpError(404, ConsoleErrorCode.USER_NOT_FOUND, 'No such user');
  return record(rows[0]);
}

const audit = (
  db: Queryable,
  actor: AuthUser,
  action: string,
  target: string,
  details: Record<string, unknown>,
) =>
  appendAudit(db, {
    actorType: 'user',
    actorId: actor.id,
    action,
    targetType: 'user',
    targetId: target,
    details,
  });

/**
 * Refuses a change after which no enabled pay_admin who has accepted would be left: nobody could then manage people
 * from the console (only admin:create on the server's machine would mend it).
 */
async function keepAnAdministrator(db: Queryable, changed: string): Promise<void> {
  // Locks every enabled administrator's row: two concurrent demotions cannot each see the other left.
  // An invitation not yet accepted is nobody who can sign in (issue #16, eighth pass L-1).
  const { rows } = await db.query(
    `SELECT id FROM users WHERE 'pay_admin' = ANY (roles) AND NOT disabled AND NOT invited AND id <> $1
     FOR UPDATE`,
    [changed],
  );
  if (rows.length === 0)
    throw new HttpError(409, ConsoleErrorCode.LAST_ADMIN, 'This would leave no enabled administrator');
}

export async function invitePerson(
  pool: pg.Pool,
  actor: AuthUser,
  input: { email: string; roles: Role[] },
  cost: ScryptCost,
): Promise<{ user: PersonRecord; link: UserLink }> {
  // A password nobody knows until the invitation is accepted.
  const unusable = await hashPassword(randomBytes(32).toString('base64url'), cost);
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO users (email, password_hash, roles, invited) VALUES ($1, $2, $3, true)
       ON CONFLICT (email) DO NOTHING RETURNING id`,
      [input.email, unusable, input.roles],
    );
    const id = rows[0]?.id;
    if (!id) throw new HttpError(409, ConsoleErrorCode.USER_EXISTS, 'A user with this email exists already');
    const link = await issueLink(client, 'invite', id);
    await audit(client, actor, 'user.invited', id, { email: input.email, roles: input.roles });
    return { user: await person(client, id), link };
  });
}

export function setRoles(pool: pg.Pool, actor: AuthUser, id: string, roles: Role[]): Promise<PersonRecord> {
  return withTransaction(pool, async (client) => {
    const before = await person(client, id, true);
    if (before.roles.includes('pay_admin') && !roles.includes('pay_admin'))
      await keepAnAdministrator(client, id);
    await client.query('UPDATE users SET roles = $2, updated_at = now() WHERE id = $1', [id, roles]);
    await audit(client, actor, 'user.roles_changed', id, { from: before.roles, to: roles });
    return person(client, id);
  });
}

export function setDisabled(
  pool: pg.Pool,
  actor: AuthUser,
  id: string,
  disabled: boolean,
): Promise<PersonRecord> {
  return withTransaction(pool, async (client) => {
    const before = await person(client, id, true);
    if (disabled && before.roles.includes('pay_admin')) await keepAnAdministrator(client, id);
    await client.query('UPDATE users SET disabled = $2, updated_at = now() WHERE id = $1', [id, disabled]);
    // Roles and the flag are read on every request; the refresh tokens and sessions end here too.
    const ended = disabled ? await endSessionsOf(client, id) : 0;
    // A reset or invitation link sent before stops working: it would set a password that still
    // works once the user is enabled again (red-team pass 11, L-4).
    const linksVoided = disabled
      ? ((
          await client.query(
            'UPDATE console_links SET used_at = now() WHERE user_id = $1 AND used_at IS NULL',
            [id],
          )
        ).rowCount ?? 0)
      : 0;
    // Their laptops read on with the licences they hold, device-signed, until expiry: those are revoked
    // too, as when a grant is withdrawn (issue #16, ninth pass L-1). Enabling the user again restores
    // none; the laptop takes new licences where grants allow. The user's laptops are locked first: a
    // licence being issued to one of them at this moment is then either revoked here or refused.
    let licencesRevoked = 0;
    if (disabled) {
      await client.query(
        '/* citus: multi-shard: a user may hold devices on many shards */ SELECT 1 FROM offline_devices WHERE user_id = $1 ORDER BY device_id FOR UPDATE',
        [id],
      );
      licencesRevoked = await revokeLiveLicences(client, { userIds: [id] }, 'user disabled');
    }
    await audit(client, actor, disabled ? 'user.disabled' : 'user.enabled', id, {
      sessions_ended: ended,
      ...(disabled ? { licences_revoked: licencesRevoked, links_voided: linksVoided } : {}),
    });
    return person(client, id);
  });
}

export function resetLink(pool: pg.Pool, actor: AuthUser, id: string): Promise<UserLink> {
  return withTransaction(pool, async (client) => {
    await person(client, id, true);
    const link = await issueLink(client, 'reset', id);
    await audit(client, actor, 'user.reset_link_issued', id, { expires_at: link.expires_at });
    return link;
  });
}

/** The invited or reset user sets their password with the link's token. */
export async function acceptLink(
  pool: pg.Pool,
  input: { token: string; password: string },
  cost: ScryptCost,
): Promise<{ email: string }> {
  // A made-up, used or expired token is answered before any scrypt, and the hash waits its turn at
  // the gate sign-in uses: a flood of bogus accepts no longer starves sign-ins (#16, 8th pass M-2).
  const { userId } = await checkLink(pool, input.token, ['invite', 'reset'], LINK_CODES);
  const hash = await scryptGate.run(`link\n${userId}`, () => hashPassword(input.password, cost));
  return withTransaction(pool, async (client) => {
    const { kind, userId } = await consumeLink(client, input.token, ['invite', 'reset'], LINK_CODES);
    // A link issued to a disabled user sets no password (the links sent before the disable are void).
    const { rows: state } = await client.query<{ disabled: boolean }>(
      'SELECT disabled FROM users WHERE id = $1 FOR UPDATE',
      [userId],
    );
    if (state[0]?.disabled)
      throw new HttpError(
        CONSOLE_ERROR_STATUS.USER_DISABLED,
        ConsoleErrorCode.USER_DISABLED,
        'This account is disabled: an administrator enables it and sends a new link',
      );
    const { rows } = await client.query<{ email: string }>(
      `UPDATE users SET password_hash = $2, invited = false, updated_at = now() WHERE id = $1 RETURNING email`,
      [userId, hash],
    );
    // Whoever knew the old password is signed out with it.
    const ended = kind === 'reset' ? await endSessionsOf(client, userId!) : 0;
    await appendAudit(client, {
      actorType: 'user',
      actorId: userId,
      action: kind === 'invite' ? 'user.invitation_accepted' : 'user.password_reset',
      targetType: 'user',
      targetId: userId,
      details: { sessions_ended: ended },
    });
    return { email: rows[0]!.email };
  });
}
