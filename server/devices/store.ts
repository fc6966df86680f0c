import type { DeviceRecord, TenantType } from '../../protocol/http';
import { TrustErrorCode } from '../../protocol/http';
import type pg from 'pg';
import type { Queryable } from '../db/tx';
import { HttpError } from '../http/errors';

export interface DeviceRow {
  device_id: string;
  status: 'active' | 'revoked';
  /** How it was registered: decides whether it is a payment terminal (devices/terminal.ts). */
  enrolled_via: 'admin' | 'code' | 'user';
  tenant_type: TenantType | null;
  tenant_id: string | null;
  user_id: string | null;
  country: string | null;
  currency_default: string | null;
  fingerprint: string | null;
  name: string | null;
  platform: string | null;
  pubkey_pem: string;
  x25519_pub: string;
  created_at: Date;
  last_seen_at: Date | null;
  revoked_at: Date | null;
}

export const DEVICE_COLUMNS = `device_id, status, enrolled_via, tenant_type, tenant_id, user_id, country, currency_default,
  fingerprint, name, platform, pubkey_pem, x25519_pub, created_at, last_seen_at, revoked_at`;

export function toDeviceRecord({ enrolled_via: _internal, ...row }: DeviceRow): DeviceRecord {
  return {
    ...row,
    created_at: row.created_at.toISOString(),
    last_seen_at: row.last_seen_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}

export async function findDevice(
  db: Queryable,
  deviceId: string,
  lock = false,
): Promise<DeviceRow | undefined> {
  const { rows } = await db.query<DeviceRow>(
    `SELECT ${DEVICE_COLUMNS} FROM offline_devices WHERE device_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [deviceId],
  );
  return rows[0];
}

export interface NewDevice {
  device_id: string;
  enrolled_via: 'admin' | 'code' | 'user';
  tenant_type?: TenantType | null;
  tenant_id?: string | null;
  user_id?: string | null;
  country?: string | null;
  currency_default?: string | null;
  fingerprint?: string | null;
  name?: string | null;
  platform?: string | null;
  pubkey_pem: string;
  x25519_pub: string;
}

/**
 * Undefined when a device holds this id already, in any letter case: one id, one device, whatever
 * the case it is spelled in. The lower-cased id is claimed first in offline_device_ids (a reference
 * table under Citus, where offline_devices, distributed, cannot carry a unique index on
 * lower(device_id)); a concurrent enrolment of another spelling waits on that key and, once this
 * one commits, claims nothing. Call it in the transaction that inserts the device.
 */
export async function insertDevice(db: pg.PoolClient, d: NewDevice): Promise<DeviceRow | undefined> {
  const claimed = await db.query(
    'INSERT INTO offline_device_ids (lower_id) VALUES (lower($1)) ON CONFLICT DO NOTHING',
    [d.device_id],
  );
  if (claimed.rowCount !== 1) return undefined;
  const { rows } = await db.query<DeviceRow>(
    `INSERT INTO offline_devices (device_id, enrolled_via, tenant_type, tenant_id, user_id, country,
       currency_default, fingerprint, name, platform, pubkey_pem, x25519_pub)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (device_id) DO NOTHING
     RETURNING ${DEVICE_COLUMNS}`,
    [
      d.device_id,
      d.enrolled_via,
      d.tenant_type ?? null,
      d.tenant_id ?? null,
      d.user_id ?? null,
      d.country ?? null,
      d.currency_default ?? null,
      d.fingerprint ?? null,
      d.name ?? null,
      d.platform ?? null,
      d.pubkey_pem,
      d.x25519_pub,
    ],
  );
  return rows[0];
}

/**
 * Refuses (409 DEVICE_KEY_IN_USE) a device whose Ed25519 or X25519 public key is already registered
 * under another device id, active or revoked: one key, one device. Otherwise anyone could register a
 * copy of another device's public key under an id of their own, and whoever holds that key would
 * then act as two devices (another user's laptop, another tenant's till). `pubkey_pem` must be in
 * canonical form (canonicalPem), as every registration stores it. Run it in the transaction that
 * inserts the device: an advisory lock on the key serialises two registrations of the same key.
 */
export async function assertKeysUnused(
  client: Queryable,
  d: Pick<NewDevice, 'device_id' | 'pubkey_pem' | 'x25519_pub'>,
): Promise<void> {
  const { rows } = await client.query<{ taken: boolean }>(
    `/* citus: multi-shard: one key, one device: checked across devices */ SELECT pg_advisory_xact_lock(hashtextextended('device-key:' || $2, 0)),
            pg_advisory_xact_lock(hashtextextended('device-key:' || $3, 0)),
            EXISTS (SELECT 1 FROM offline_devices
                    WHERE device_id <> $1
                      AND (regexp_replace(pubkey_pem, '\\s', '', 'g') = regexp_replace($2, '\\s', '', 'g')
                           OR x25519_pub = $3)) AS taken`,
    [d.device_id, d.pubkey_pem, d.x25519_pub],
  );
  if (rows[0]?.taken)
    throw new HttpError(
      409,
      TrustErrorCode.DEVICE_KEY_IN_USE,
      'This public key is already registered under another device id',
    );
}
