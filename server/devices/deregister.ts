import type { DeviceRecord } from '../../protocol/http';
import { appendAudit } from '../audit/chain';
import type { Queryable } from '../db/tx';
import { DEVICE_COLUMNS, toDeviceRecord, type DeviceRow } from './store';

/**
 * Deregisters an active laptop and revokes its live licences, audited as done by `actorId`: its
 * user's own (`ownerId` set: only their device matches) or a pay_admin's from the back office
 * (issue #19). Undefined when no such active laptop exists.
 */
export async function deregisterLaptop(
  client: Queryable,
  deviceId: string,
  actorId: string,
  ownerId?: string,
): Promise<{ device: DeviceRecord; licenses_revoked: number } | undefined> {
  const { rows } = await client.query<DeviceRow>(
    `UPDATE offline_devices SET status = 'revoked', revoked_at = now(), updated_at = now()
     WHERE device_id = $1 AND user_id IS NOT NULL AND ($2::uuid IS NULL OR user_id = $2) AND status = 'active'
     RETURNING ${DEVICE_COLUMNS}`,
    [deviceId, ownerId ?? null],
  );
  const device = rows[0];
  if (!device) return undefined;
  const revoked = await client.query(
    `UPDATE offline_licenses SET status = 'revoked', revoked_at = now()
     WHERE device_id = $1 AND status IN ('ready', 'active')`,
    [device.device_id],
  );
  const licenses = revoked.rowCount ?? 0;
  await appendAudit(client, {
    actorType: 'user',
    actorId,
    action: 'device.deregistered',
    targetType: 'device',
    targetId: device.device_id,
    details: { licenses_revoked: licenses, ...(ownerId ? {} : { by: 'back_office' }) },
  });
  return { device: toDeviceRecord(device), licenses_revoked: licenses };
}
