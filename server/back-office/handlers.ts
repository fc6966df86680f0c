import type { BackOfficeErrorCode } from '../../protocol/http';
import { BACK_OFFICE_ERROR_STATUS, type EnrollmentCodeRecord, type LaptopRecord } from '../../protocol/http';
import { appendAudit } from '../audit/chain';
import { withTransaction, type Queryable } from '../db/tx';
import { deregisterLaptop } from '../devices/deregister';
import { DEVICE_COLUMNS, toDeviceRecord, type DeviceRow } from '../devices/store';
import { HttpError } from '../http/errors';
import { policyFor } from '../policies/store';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { findTill, listTills, revokeTill, tillNotFound } from './tills';

type BackOfficeHandlerNames =
  | 'listEnrollmentCodes'
  | 'revokeEnrollmentCode'
  | 'listTills'
  | 'revokeTill'
  | 'listLaptops'
  | 'deregisterLaptop'
  | 'getPolicy';

const notFound = (code: keyof typeof BackOfficeErrorCode, message: string) =>
  new HttpError(BACK_OFFICE_ERROR_STATUS[code], code, message);

interface CodeRow {
  id: string;
  label: string | null;
  tenant_type: EnrollmentCodeRecord['tenant_type'];
  tenant_id: string;
  country: string;
  currency_default: string;
  created_at: Date;
  expires_at: Date;
  redeemed_at: Date | null;
  redeemed_device_id: string | null;
  revoked_at: Date | null;
}

const CODE_COLUMNS = `id, label, tenant_type, tenant_id, country, currency_default, created_at, expires_at,
  redeemed_at, redeemed_device_id, revoked_at`;

function toCodeRecord(row: CodeRow, now = Date.now()): EnrollmentCodeRecord {
  const state = row.revoked_at
    ? 'revoked'
    : row.redeemed_at
      ? 'redeemed'
      : row.expires_at.getTime() <= now
        ? 'expired'
        : 'unused';
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    ...row,
    state,
    created_at: row.created_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    redeemed_at: iso(row.redeemed_at),
    revoked_at: iso(row.revoked_at),
  };
}

async function laptops(db: Queryable, userId: string | undefined): Promise<LaptopRecord[]> {
  const { rows } = await db.query<DeviceRow & { user_email: string }>(
    `/* citus: multi-shard: the console lists every device */ SELECT ${DEVICE_COLUMNS.replaceAll(/(\w+)/g, 'd.$1')}, u.email AS user_email
     FROM offline_devices d JOIN users u ON u.id = d.user_id
     WHERE d.enrolled_via = 'user' AND ($1::uuid IS NULL OR d.user_id = $1)
     ORDER BY d.created_at DESC, d.device_id`,
    [userId ?? null],
  );
  return rows.map(({ user_email, ...row }) => ({ ...toDeviceRecord(row), user_email }));
}

/** The back office's tills, laptops, enrollment codes and policy read (issue #19, items 4-5). */
export function backOfficeHandlers(deps: TrustDeps): Pick<Handlers, BackOfficeHandlerNames> {
  const { pool } = deps;
  return {
    listEnrollmentCodes: async () => {
      const { rows } = await pool.query<CodeRow>(
        `SELECT ${CODE_COLUMNS} FROM enrollment_codes WHERE redeemed_at IS NULL ORDER BY created_at DESC, id`,
      );
      return { body: { codes: rows.map((row) => toCodeRecord(row)) } };
    },

    revokeEnrollmentCode: async ({ params, user }) => {
      const row = await withTransaction(pool, async (client) => {
        // The expiry moves to now, so the redemption's own `expires_at > now()` refuses it.
        const { rows } = await client.query<CodeRow>(
          `UPDATE enrollment_codes SET revoked_at = now(), expires_at = least(expires_at, now())
           WHERE id = $1 AND redeemed_at IS NULL AND revoked_at IS NULL RETURNING ${CODE_COLUMNS}`,
          [params.code_id],
        );
        if (rows[0])
          await appendAudit(client, {
            actorType: 'user',
            actorId: user.id,
            action: 'enrollment_code.revoked',
            targetType: 'enrollment_code',
            targetId: params.code_id,
          });
        // Revoked already: the same answer, nothing written.
        return (
          rows[0] ??
          (
            await client.query<CodeRow>(
              `SELECT ${CODE_COLUMNS} FROM enrollment_codes WHERE id = $1 AND revoked_at IS NOT NULL`,
              [params.code_id],
            )
          ).rows[0]
        );
      });
      if (!row) throw notFound('ENROLLMENT_CODE_NOT_FOUND', 'No unredeemed enrollment code with this id');
      return { body: toCodeRecord(row) };
    },

    listTills: async () => ({ body: { tills: await listTills(pool) } }),

    revokeTill: async ({ params, body, user }) => {
      await withTransaction(pool, async (client) => {
        if (!(await revokeTill(client, params.device_id))) throw tillNotFound();
        await appendAudit(client, {
          actorType: 'user',
          actorId: user.id,
          action: 'device.revoked',
          targetType: 'device',
          targetId: params.device_id,
          details: { reason: body.reason },
        });
      });
      const till = await findTill(pool, params.device_id);
      if (!till) throw tillNotFound();
      return { body: till };
    },

    listLaptops: async ({ query }) => {
      return { body: { laptops: await laptops(pool, query.user_id) } };
    },

    deregisterLaptop: async ({ params, user }) => {
      const result = await withTransaction(pool, (client) =>
        deregisterLaptop(client, params.device_id, user.id),
      );
      if (!result) throw notFound('LAPTOP_NOT_FOUND', 'No registered laptop with this id');
      return { body: result };
    },

    getPolicy: async ({ params }) => {
      const policy = await policyFor(pool, params.country);
      if (!policy) throw notFound('POLICY_NOT_FOUND', `No policy for ${params.country}`);
      return { body: policy };
    },
  };
}
