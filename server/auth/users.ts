import type pg from 'pg';
import type { Role } from '../../protocol/http';
import { appendAudit, type ActorType } from '../audit/chain';
import { withTransaction, type Queryable } from '../db/tx';
import { hashPassword, type ScryptCost } from './passwords';

export interface UserRow {
  id: string;
  email: string;
  roles: Role[];
  disabled: boolean;
  password_hash: string;
  /** Raised by a password reset and a disable: access tokens of an older version are refused. */
  token_version: number;
}

export class UserExistsError extends Error {
  override name = 'UserExistsError';
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    'SELECT id, email, roles, disabled, password_hash, token_version FROM users WHERE email = $1',
    [email],
  );
  return rows[0];
}

export async function findUserById(db: Queryable, id: string): Promise<UserRow | undefined> {
  const { rows } = await db.query<UserRow>(
    'SELECT id, email, roles, disabled, password_hash, token_version FROM users WHERE id = $1',
    [id],
  );
  return rows[0];
}

export interface NewUser {
  email: string;
  password: string;
  roles: readonly Role[];
}

/** Creates a user and audits it in one transaction. The email must already be lower-cased. */
export async function createUser(
  pool: pg.Pool,
  user: NewUser,
  actor: { type: ActorType; id?: string | null },
  cost?: ScryptCost,
): Promise<{ id: string; email: string; roles: Role[] }> {
  const hash = await hashPassword(user.password, cost);
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string; email: string; roles: Role[] }>(
      `INSERT INTO users (email, password_hash, roles) VALUES ($1, $2, $3)
       ON CONFLICT (email) DO NOTHING RETURNING id, email, roles`,
      [user.email, hash, [...new Set(user.roles)]],
    );
    const created = rows[0];
    if (!created) throw new UserExistsError(`a user with email ${user.email} already exists`);
    await appendAudit(client, {
      actorType: actor.type,
      actorId: actor.id ?? null,
      action: 'user.created',
      targetType: 'user',
      targetId: created.id,
      details: { email: created.email, roles: created.roles },
    });
    return created;
  });
}
