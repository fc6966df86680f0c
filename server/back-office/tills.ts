import { BACK_OFFICE_ERROR_STATUS, BackOfficeErrorCode, type TillRecord } from '../../protocol/http';
import type { Queryable } from '../db/tx';
import { HttpError } from '../http/errors';

/** The back office's view of POS tills (issue #19, item 4). */

interface TillRow {
  device_id: string;
  name: string | null;
  status: 'active' | 'revoked';
  tenant_type: TillRecord['tenant_type'];
  tenant_id: string;
  country: string | null;
  created_at: Date;
  last_seen_at: Date | null;
  revoked_at: Date | null;
  last_seq: string;
  pending: number;
  review: number;
  quarantined: number;
  clock_offset_ms: string | null;
}

// A till as isPaymentTerminal (devices/terminal.ts) decides it, in SQL.
const IS_TILL = `d.enrolled_via IN ('admin', 'code') AND d.tenant_type IS NOT NULL AND d.tenant_id IS NOT NULL
  AND d.user_id IS NULL`;

const TILLS = `SELECT d.device_id, d.name, d.status, d.tenant_type, d.tenant_id, d.country, d.created_at,
    d.last_seen_at, d.revoked_at, d.clock_offset_ms::text AS clock_offset_ms,
    coalesce(b.last_seq, 0)::text AS last_seq, coalesce(b.pending, 0)::int AS pending,
    coalesce(b.review, 0)::int AS review, coalesce(b.quarantined, 0)::int AS quarantined
  FROM offline_devices d
  LEFT JOIN LATERAL (
    SELECT max(seq_to) AS last_seq,
      count(*) FILTER (WHERE status = 'accepted') AS pending,
      count(*) FILTER (WHERE status = 'review') AS review,
      count(*) FILTER (WHERE status = 'quarantined') AS quarantined
    FROM offline_tx_bundles WHERE device_id = d.device_id
  ) b ON true
  WHERE ${IS_TILL}`;

function toTill(row: TillRow): TillRecord {
  return {
    device_id: row.device_id,
    name: row.name,
    status: row.status,
    tenant_type: row.tenant_type,
    tenant_id: row.tenant_id,
    country: row.country,
    created_at: row.created_at.toISOString(),
    last_seen_at: row.last_seen_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
    last_seq: Number(row.last_seq),
    pending_bundles: row.pending,
    held_bundles: { review: row.review, quarantined: row.quarantined },
    clock_offset_ms: row.clock_offset_ms === null ? null : Number(row.clock_offset_ms),
  };
}

export async function listTills(db: Queryable): Promise<TillRecord[]> {
  const { rows } = await db.query<TillRow>(`${TILLS} ORDER BY d.created_at DESC, d.device_id`);
  return rows.map(toTill);
}

export async function findTill(db: Queryable, deviceId: string): Promise<TillRecord | undefined> {
  const { rows } = await db.query<TillRow>(`${TILLS} AND d.device_id = $1`, [deviceId]);
  return rows[0] && toTill(rows[0]);
}

export const tillNotFound = () =>
  new HttpError(
    BACK_OFFICE_ERROR_STATUS.TILL_NOT_FOUND,
    BackOfficeErrorCode.TILL_NOT_FOUND,
    'No active POS till with this id',
  );

/**
 * Revokes an active till: every device route and the push check `status = 'active'` (devices/
 * authenticate.ts, payments/push.ts), so from this commit on its requests are refused. False when
 * there is no active till of that id.
 */
export async function revokeTill(client: Queryable, deviceId: string): Promise<boolean> {
  const { rowCount } = await client.query(
    `UPDATE offline_devices d SET status = 'revoked', revoked_at = now(), updated_at = now()
     WHERE d.device_id = $1 AND d.status = 'active' AND ${IS_TILL}`,
    [deviceId],
  );
  return rowCount === 1;
}
