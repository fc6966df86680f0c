import { randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import type pg from 'pg';
import type { TenantType } from '../../protocol/http';
import { signRoster, type CashierRoster, type PinVerifier } from '../../protocol/http/cashier-roster';
import {
  CashierErrorCode,
  MAX_ACTIVE_CASHIERS,
  type ShopCashierList,
  type ShopCashierRecord,
  type ShopCashierRole,
} from '../../protocol/http/cashiers';
import { appendAudit } from '../audit/chain';
import type { ScryptCost } from '../auth/passwords';
import { scryptGate } from '../auth/scrypt-gate';
import { withTransaction, type Queryable } from '../db/tx';
import { HttpError } from '../http/errors';
import type { ServerKeys } from '../keys/server-keys';
import type { AuthUser } from '../routes/types';

/**
 * A shop's cashiers (issue #19, item 3): the back office's side. Every change raises the tenant's
 * roster version in the same transaction and is audited without the PIN; the PIN is kept only as an
 * scrypt verifier, which leaves the server only inside the signed roster of the tenant's own tills.
 */

export interface Tenant {
  tenant_type: TenantType;
  tenant_id: string;
}
interface CashierKey extends Tenant {
  cashier_id: string;
}

/** The columns a console answer is made of: never `pin_verifier`. */
const RECORD = `SELECT tenant_type, tenant_id, cashier_id, name, role,
  CASE WHEN disabled THEN 'disabled' ELSE 'active' END AS status, pin_set_at, created_at
  FROM shop_cashiers`;

interface RecordRow extends Omit<ShopCashierRecord, 'pin_set_at' | 'created_at'> {
  pin_set_at: Date;
  created_at: Date;
}
const record = (r: RecordRow): ShopCashierRecord => ({
  ...r,
  pin_set_at: r.pin_set_at.toISOString(),
  created_at: r.created_at.toISOString(),
});

async function version(db: Queryable, tenant: Tenant): Promise<number> {
  const { rows } = await db.query<{ version: string }>(
    'SELECT version::text FROM shop_rosters WHERE tenant_type = $1 AND tenant_id = $2',
    [tenant.tenant_type, tenant.tenant_id],
  );
  return rows[0] ? Number(rows[0].version) : 0;
}

export async function listCashiers(db: Queryable, tenant: Tenant): Promise<ShopCashierList> {
  const { rows } = await db.query<RecordRow>(
    `${RECORD} WHERE tenant_type = $1 AND tenant_id = $2 ORDER BY cashier_id`,
    [tenant.tenant_type, tenant.tenant_id],
  );
  return { cashiers: rows.map(record), roster_version: await version(db, tenant) };
}

/** The PIN's verifier, at the server's password cost, in the shape a till checks (v1 scrypt). */
function pinVerifier(pin: string, cost: ScryptCost): Promise<PinVerifier> {
  const salt = randomBytes(16);
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 };
  // Through the gate sign-ins use: PIN resets cannot starve them.
  return scryptGate.run(
    'cashier-pin',
    () =>
      new Promise((resolve, reject) =>
        scrypt(pin, salt, 32, options, (error, key) =>
          error
            ? reject(error)
            : resolve({ v: 1, ...cost, salt: salt.toString('base64url'), hash: key.toString('base64url') }),
        ),
      ),
  );
}

/**
 * Raises the tenant's roster version: its tills take the roster again on their next pull. The
 * roster row stays locked to the end of the transaction, so changes of one tenant's cashiers run
 * one after another.
 */
async function bump(client: pg.PoolClient, tenant: Tenant): Promise<number> {
  const { rows } = await client.query<{ version: string }>(
    `INSERT INTO shop_rosters (tenant_type, tenant_id, version) VALUES ($1, $2, 1)
     ON CONFLICT (tenant_type, tenant_id)
     DO UPDATE SET version = shop_rosters.version + 1, updated_at = EXCLUDED.updated_at RETURNING version::text`,
    [tenant.tenant_type, tenant.tenant_id],
  );
  return Number(rows[0]!.version);
}

/**
 * After a change that made a cashier active (an add, an enable), with the roster row locked by
 * bump() so two such changes cannot both count 999 (issue #16, twelfth pass L-C): beyond
 * MAX_ACTIVE_CASHIERS the roster could not list them all, so the change is refused and rolled back.
 */
async function assertActiveWithinLimit(client: pg.PoolClient, tenant: Tenant): Promise<void> {
  const active = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM shop_cashiers WHERE tenant_type = $1 AND tenant_id = $2 AND NOT disabled',
    [tenant.tenant_type, tenant.tenant_id],
  );
  if (active.rows[0]!.n > MAX_ACTIVE_CASHIERS)
    throw new HttpError(
      409,
      CashierErrorCode.CASHIER_LIMIT_REACHED,
      `This shop has ${MAX_ACTIVE_CASHIERS} active cashiers: disable one first`,
    );
}

async function audit(
  client: pg.PoolClient,
  actor: AuthUser,
  action: string,
  key: CashierKey,
  details: Record<string, unknown>,
): Promise<void> {
  await appendAudit(client, {
    actorType: 'user',
    actorId: actor.id,
    action,
    targetType: 'cashier',
    targetId: `${key.tenant_type}:${key.tenant_id}:${key.cashier_id}`,
    details,
  });
}

/** Locks the cashier's row and the tenant's roster for the change; 404 when there is none. */
async function change(
  pool: pg.Pool,
  key: CashierKey,
  fn: (client: pg.PoolClient) => Promise<Record<string, unknown>>,
  actor: AuthUser,
  action: string,
  activates = false,
): Promise<ShopCashierRecord> {
  return withTransaction(pool, async (client) => {
    const where = 'WHERE tenant_type = $1 AND tenant_id = $2 AND cashier_id = $3';
    const params = [key.tenant_type, key.tenant_id, key.cashier_id];
    const { rowCount } = await client.query(`SELECT 1 FROM shop_cashiers ${where} FOR UPDATE`, params);
    if (!rowCount)
      throw new HttpError(404, CashierErrorCode.CASHIER_NOT_FOUND, 'No such cashier in this shop');
    const details = await fn(client);
    const rosterVersion = await bump(client, key);
    if (activates) await assertActiveWithinLimit(client, key);
    await audit(client, actor, action, key, { ...details, roster_version: rosterVersion });
    const { rows } = await client.query<RecordRow>(`${RECORD} ${where}`, params);
    return record(rows[0]!);
  });
}

export async function addCashier(
  pool: pg.Pool,
  actor: AuthUser,
  input: CashierKey & { name: string; role: ShopCashierRole; pin: string },
  cost: ScryptCost,
): Promise<ShopCashierRecord> {
  const verifier = await pinVerifier(input.pin, cost);
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<RecordRow>(
      `INSERT INTO shop_cashiers (tenant_type, tenant_id, cashier_id, name, role, pin_verifier)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
       RETURNING tenant_type, tenant_id, cashier_id, name, role, 'active' AS status, pin_set_at, created_at`,
      [input.tenant_type, input.tenant_id, input.cashier_id, input.name, input.role, verifier],
    );
    if (!rows[0])
      throw new HttpError(
        409,
        CashierErrorCode.CASHIER_EXISTS,
        'This shop has a cashier with this id already',
      );
    const rosterVersion = await bump(client, input);
    await assertActiveWithinLimit(client, input);
    await audit(client, actor, 'cashier.added', input, {
      name: input.name,
      role: input.role,
      roster_version: rosterVersion,
    });
    return record(rows[0]);
  });
}

export async function setCashierPin(
  pool: pg.Pool,
  actor: AuthUser,
  key: CashierKey,
  pin: string,
  cost: ScryptCost,
): Promise<ShopCashierRecord> {
  const verifier = await pinVerifier(pin, cost);
  return change(
    pool,
    key,
    async (client) => {
      await client.query(
        `UPDATE shop_cashiers SET pin_verifier = $4, pin_set_at = now(), updated_at = now()
         WHERE tenant_type = $1 AND tenant_id = $2 AND cashier_id = $3`,
        [key.tenant_type, key.tenant_id, key.cashier_id, verifier],
      );
      return {};
    },
    actor,
    'cashier.pin_reset',
  );
}

export function setCashierDisabled(
  pool: pg.Pool,
  actor: AuthUser,
  key: CashierKey,
  disabled: boolean,
): Promise<ShopCashierRecord> {
  return change(
    pool,
    key,
    async (client) => {
      await client.query(
        // disabled_at: since when, while disabled. Each period is also kept once it ends: the push
        // judges a sale's time against all of them (CASHIER_DISABLED, server/payments/cashiers.ts),
        // so enabling a cashier again does not clear a sale a stale till recorded meanwhile.
        `WITH cashier AS (
           UPDATE shop_cashiers SET disabled = $4, updated_at = now(),
             disabled_at = CASE WHEN $4 THEN coalesce(disabled_at, clock.at) END
           FROM (SELECT now() AS at) clock
           WHERE tenant_type = $1 AND tenant_id = $2 AND cashier_id = $3
           RETURNING disabled_at),
         opened AS (
           INSERT INTO shop_cashier_disabled_periods (tenant_type, tenant_id, cashier_id, disabled_at)
           SELECT $1, $2, $3, c.disabled_at FROM cashier c WHERE $4
           ON CONFLICT DO NOTHING)
         UPDATE shop_cashier_disabled_periods SET enabled_at = now()
         WHERE NOT $4 AND tenant_type = $1 AND tenant_id = $2 AND cashier_id = $3 AND enabled_at IS NULL`,
        [key.tenant_type, key.tenant_id, key.cashier_id, disabled],
      );
      return {};
    },
    actor,
    disabled ? 'cashier.disabled' : 'cashier.enabled',
    !disabled,
  );
}

/**
 * The signed roster of a till's tenant, read in the pull's transaction; null while the tenant has
 * no cashier in the back office (its tills keep their own accounts) or the till has no tenant.
 */
export async function rosterOf(
  db: Queryable,
  tenant: { tenant_type: TenantType | null; tenant_id: string | null },
  signing: ServerKeys['signing'],
  now: Date,
): Promise<CashierRoster | null> {
  if (!tenant.tenant_type || !tenant.tenant_id) return null;
  const own = { tenant_type: tenant.tenant_type, tenant_id: tenant.tenant_id };
  const current = await version(db, own);
  if (current === 0) return null;
  const { rows } = await db.query<{
    cashier_id: string;
    name: string;
    role: ShopCashierRole;
    disabled: boolean;
    pin_verifier: PinVerifier;
  }>(
    // Every active cashier (bump() keeps them within the limit), then the disabled ones changed
    // last while room is left: a tenant with a long history still gets a roster it can sign.
    `SELECT * FROM (
       SELECT cashier_id, name, role, disabled, pin_verifier FROM shop_cashiers
       WHERE tenant_type = $1 AND tenant_id = $2 ORDER BY disabled, updated_at DESC, cashier_id LIMIT $3
     ) listed ORDER BY cashier_id`,
    [own.tenant_type, own.tenant_id, MAX_ACTIVE_CASHIERS],
  );
  return signRoster(signing, {
    ...own,
    version: current,
    issued_at: now.toISOString(),
    cashiers: rows.map((r) => ({
      cashier_id: r.cashier_id,
      name: r.name,
      role: r.role,
      pin: r.disabled ? null : r.pin_verifier,
    })),
  });
}
