import type { Licence } from '../../protocol/licence';
import type { LicenceStatus } from '../../protocol/http';
import type { Queryable } from '../db/tx';

export interface LicenceRow {
  id: string;
  material_id: string;
  device_id: string;
  user_id: string | null;
  status: LicenceStatus;
  nonce: string | null;
  licence: Licence | null;
  expires_at: Date;
}

const COLUMNS = 'id, material_id, device_id, user_id, status, nonce, licence, expires_at';

/** Ready (issued) and active (content taken) licences occupy the device's slot for the material. */
export const HELD: readonly LicenceStatus[] = ['ready', 'active'];

/**
 * A licence, locked: the device's own when `deviceId` is given (one shard under Citus; another
 * device's reads as none), else any device's (a teacher's revoke names the licence alone).
 */
export async function findLicence(
  db: Queryable,
  id: string,
  deviceId: string | null,
): Promise<LicenceRow | undefined> {
  const { rows } =
    deviceId === null
      ? await db.query<LicenceRow>(
          `/* citus: multi-shard: a teacher revokes a licence by its id alone */
           SELECT ${COLUMNS} FROM offline_licenses WHERE id = $1 FOR UPDATE`,
          [id],
        )
      : await db.query<LicenceRow>(
          `SELECT ${COLUMNS} FROM offline_licenses WHERE device_id = $2 AND id = $1 FOR UPDATE`,
          [id, deviceId],
        );
  return rows[0];
}

/** A held licence past its expiry is expired, whether or not a write has said so yet. */
export function effectiveStatus(
  row: Pick<LicenceRow, 'status' | 'expires_at'>,
  now = Date.now(),
): LicenceStatus {
  return HELD.includes(row.status) && +row.expires_at <= now ? 'expired' : row.status;
}

/** Persists expiry for held licences past their date, so they free the slot. */
export async function expireLapsed(db: Queryable, where: { deviceId: string; materialId?: string }) {
  await db.query(
    `UPDATE offline_licenses SET status = 'expired', updated_at = now()
     WHERE device_id = $1 AND ($2::text IS NULL OR material_id = $2) AND status IN ('ready', 'active')
       AND expires_at <= now()`,
    [where.deviceId, where.materialId ?? null],
  );
}

export async function heldLicence(
  db: Queryable,
  deviceId: string,
  materialId: string,
  lock = false,
): Promise<LicenceRow | undefined> {
  const { rows } = await db.query<LicenceRow>(
    `SELECT ${COLUMNS} FROM offline_licenses
     WHERE device_id = $1 AND material_id = $2 AND status IN ('ready', 'active') AND expires_at > now()
     ${lock ? 'FOR UPDATE' : ''}`,
    [deviceId, materialId],
  );
  return rows[0];
}

export async function insertLicence(db: Queryable, licence: Licence, status: LicenceStatus): Promise<void> {
  await db.query(
    `INSERT INTO offline_licenses (id, material_id, device_id, user_id, status, issued_at, expires_at, nonce, licence,
       activated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $5 = 'active' THEN now() END)`,
    [
      licence.licence_id,
      licence.material_id,
      licence.device_id,
      licence.user_id,
      status,
      licence.issued_at,
      licence.expires_at,
      licence.nonce,
      JSON.stringify(licence),
    ],
  );
}

/**
 * Revokes the live (ready or active) licences of `userIds`, of one material or of all, and says how
 * many: each laptop learns it, signed, at its next sync and deletes its copy; validate, renew and
 * download refuse them. The one way a licence is revoked for its user's sake: a grant withdrawn, a
 * licence revoked by its teacher (the user's others for that material), a user disabled.
 */
export async function revokeLiveLicences(
  db: Queryable,
  where: { userIds: readonly string[]; materialId?: string },
  reason: string,
): Promise<number> {
  const { rowCount } = await db.query(
    `/* citus: multi-shard: revoking a user on every device */ UPDATE offline_licenses SET status = 'revoked', revoked_at = now(), revoke_reason = $3, updated_at = now()
     WHERE user_id = ANY($1::uuid[]) AND ($2::text IS NULL OR material_id = $2) AND status = ANY($4::text[])`,
    [where.userIds, where.materialId ?? null, reason, HELD],
  );
  return rowCount ?? 0;
}
