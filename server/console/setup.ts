import type pg from 'pg';
import type { z } from 'zod';
import {
  ADMINISTRATOR_ROLES,
  ConsoleErrorCode,
  type SetupRequest,
  type UserSummary,
} from '../../protocol/http';
import { appendAudit } from '../audit/chain';
import { hashPassword, type ScryptCost } from '../auth/passwords';
import { scryptGate } from '../auth/scrypt-gate';
import { withTransaction, type Queryable } from '../db/tx';
import { HttpError } from '../http/errors';
import type { Logger } from '../logger';
import { checkLink, consumeLink, issueLink, passes } from './links';

/** Serialises first-run setups: two tabs with the link cannot both create "the first" administrator. */
const SETUP_LOCK = 0x6f757473;

export async function noUserYet(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ none: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM users) AS none');
  return rows[0]!.none;
}

/**
 * First run (issue #19): while no user exists, a new one-time setup link (24 hours, single use) is
 * logged at every start; the console page at that link creates the first administrator. Returns
 * the link, or undefined when a user exists.
 */
export async function announceSetupLink(
  pool: pg.Pool,
  baseUrl: string,
  logger: Logger,
): Promise<string | undefined> {
  const link = await withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SETUP_LOCK]);
    return (await noUserYet(client)) ? issueLink(client, 'setup', null) : undefined;
  });
  if (!link) return undefined;
  const url = `${baseUrl}/admin/#setup=${link.token}`;
  logger.warn(
    { expires_at: link.expires_at },
    `No user exists yet. Create the first administrator in the back office, once, before ${link.expires_at}: ${url}`,
  );
  return url;
}

const SETUP_CODE = ConsoleErrorCode.SETUP_LINK_INVALID;

/** 409 once a user exists; 403 unless the token is a live setup link (which `link` may use up). */
async function refuseSetup(
  db: Queryable,
  token: string,
  link: typeof checkLink | typeof consumeLink,
): Promise<void> {
  if (!(await noUserYet(db)))
    throw new HttpError(409, ConsoleErrorCode.SETUP_DONE, 'The first administrator exists already');
  const codes = { invalid: SETUP_CODE, expired: SETUP_CODE, used: SETUP_CODE };
  await link(db, token, ['setup'], codes).catch(async (err: unknown) => {
    if (!(err instanceof HttpError)) throw err;
    // The first check and the link's are two statements: a racing setup that committed between
    // them used the link up, and the answer is that it is done, not that the link was bad.
    if (!(await noUserYet(db)))
      throw new HttpError(409, ConsoleErrorCode.SETUP_DONE, 'The first administrator exists already');
    throw new HttpError(403, SETUP_CODE, 'This setup link is unknown, expired or used');
  });
}

/** Whether a setup now would pass refuseSetup (the throttle lets such a request through). */
export const setupOpen = (db: Queryable, token: string): Promise<boolean> =>
  passes(refuseSetup(db, token, checkLink));

/** Creates the first administrator (pay_admin, ops, teacher) with a setup link's token. */
export async function createFirstAdministrator(
  pool: pg.Pool,
  input: z.output<typeof SetupRequest>,
  cost: ScryptCost,
): Promise<UserSummary> {
  // Once set up, or with a dead link, the answer comes before any scrypt; the hash waits its turn
  // at the gate sign-in uses (issue #16, eighth pass M-2). Both are checked again under the lock.
  await refuseSetup(pool, input.token, checkLink);
  const hash = await scryptGate.run('setup', () => hashPassword(input.password, cost));
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SETUP_LOCK]);
    await refuseSetup(client, input.token, consumeLink);
    const { rows } = await client.query<UserSummary>(
      'INSERT INTO users (email, password_hash, roles) VALUES ($1, $2, $3) RETURNING id, email, roles',
      [input.email, hash, [...ADMINISTRATOR_ROLES]],
    );
    const user = rows[0]!;
    await appendAudit(client, {
      actorType: 'system',
      actorId: 'setup-link',
      action: 'user.created',
      targetType: 'user',
      targetId: user.id,
      details: { email: user.email, roles: user.roles, via: 'setup-link' },
    });
    return user;
  });
}
