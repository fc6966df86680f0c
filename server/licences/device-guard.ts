import {
  DEVICE_BLOCK_SECONDS,
  FAILED_VALIDATIONS_BEFORE_BLOCK,
  MATERIAL_ERROR_STATUS,
  MaterialErrorCode,
} from '../../protocol/http';
import { appendAudit } from '../audit/chain';
import type { Queryable } from '../db/tx';
import { HttpError } from '../http/errors';

/**
 * Failed licence validations, counted per device in PostgreSQL (so every server instance agrees
 * and a restart forgets nothing): five in a row block the device for an hour.
 */

export async function assertNotBlocked(db: Queryable, deviceId: string): Promise<void> {
  const { rows } = await db.query<{ seconds: number }>(
    `SELECT ceil(extract(epoch FROM blocked_until - now()))::int AS seconds FROM offline_device_blocks
     WHERE device_id = $1 AND blocked_until > now()`,
    [deviceId],
  );
  const seconds = rows[0]?.seconds;
  if (seconds !== undefined)
    throw new HttpError(
      MATERIAL_ERROR_STATUS.DEVICE_BLOCKED,
      MaterialErrorCode.DEVICE_BLOCKED,
      'Too many failed licence validations: this device is blocked for an hour',
      { retry_after_seconds: seconds },
    );
}

/** Counts one failure; true when it is the one that blocks the device (audited). */
export async function recordFailedValidation(
  db: Queryable,
  deviceId: string,
  reason: string,
): Promise<boolean> {
  const { rows } = await db.query<{ failed_validations: number }>(
    `INSERT INTO offline_device_blocks (device_id, failed_validations) VALUES ($1, 1)
     ON CONFLICT (device_id) DO UPDATE SET failed_validations = offline_device_blocks.failed_validations + 1,
       updated_at = EXCLUDED.updated_at
     RETURNING failed_validations`,
    [deviceId],
  );
  if ((rows[0]?.failed_validations ?? 0) < FAILED_VALIDATIONS_BEFORE_BLOCK) return false;
  await db.query(
    `UPDATE offline_device_blocks SET failed_validations = 0,
       blocked_until = now() + make_interval(secs => $2), updated_at = now() WHERE device_id = $1`,
    [deviceId, DEVICE_BLOCK_SECONDS],
  );
  await appendAudit(db, {
    actorType: 'system',
    action: 'device.blocked',
    targetType: 'device',
    targetId: deviceId,
    details: {
      failed_validations: FAILED_VALIDATIONS_BEFORE_BLOCK,
      seconds: DEVICE_BLOCK_SECONDS,
      last_reason: reason,
    },
  });
  return true;
}

export async function recordGoodValidation(db: Queryable, deviceId: string): Promise<void> {
  await db.query(
    `UPDATE offline_device_blocks SET failed_validations = 0, updated_at = now()
     WHERE device_id = $1 AND failed_validations > 0`,
    [deviceId],
  );
}
