import type { Request } from 'express';
import { DEVICE_HEADERS } from '../../protocol/crypto';
import type { Queryable } from '../db/tx';

/**
 * Records a till's clock against the server's at a successful check-in or pull (issue #19: the back
 * office's list of tills shows it): the request's signed timestamp minus the database's clock. The
 * timestamp is within the replay window, or the request would not have got this far. The clock is
 * now() (this transaction's start, milliseconds before): clock_timestamp() is volatile, which Citus
 * refuses in an UPDATE of a distributed table.
 */
export async function recordClockOffset(client: Queryable, deviceId: string, req: Request): Promise<void> {
  const timestamp = req.get(DEVICE_HEADERS.timestamp);
  if (timestamp === undefined) return;
  await client.query(
    `UPDATE offline_devices
     SET clock_offset_ms = $2::bigint - (extract(epoch FROM now()) * 1000)::bigint
     WHERE device_id = $1`,
    [deviceId, timestamp],
  );
}
