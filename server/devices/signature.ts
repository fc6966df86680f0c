import type { KeyObject } from 'node:crypto';
import type { Request } from 'express';
import {
  DEVICE_HEADERS,
  DeviceAuthHeaders,
  REPLAY_WINDOW_MS,
  verifyRequestSignature,
  withinReplayWindow,
} from '../../protocol/crypto';
import { TrustErrorCode } from '../../protocol/http';
import type { Queryable } from '../db/tx';
import { HttpError } from '../http/errors';
import { rawBody } from '../http/raw-body';

export function invalidSignature(message = 'Missing or invalid device signature'): HttpError {
  return new HttpError(401, TrustErrorCode.INVALID_SIGNATURE, message);
}

/** Parses the four signature headers; 401 when any is missing or malformed. */
export function signatureHeaders(req: Request): DeviceAuthHeaders {
  const parsed = DeviceAuthHeaders.safeParse({
    deviceId: req.get(DEVICE_HEADERS.deviceId),
    timestamp: req.get(DEVICE_HEADERS.timestamp),
    nonce: req.get(DEVICE_HEADERS.nonce),
    signature: req.get(DEVICE_HEADERS.signature),
  });
  if (!parsed.success) throw invalidSignature('Missing or malformed device signature headers');
  return parsed.data;
}

/** A stale or future timestamp is refused before any key is looked at. */
export function assertFresh(headers: DeviceAuthHeaders, now = Date.now()): void {
  if (!withinReplayWindow(headers.timestamp, now)) {
    throw new HttpError(403, TrustErrorCode.INVALID_NONCE, 'Request timestamp outside the replay window');
  }
}

export function assertSigned(req: Request, headers: DeviceAuthHeaders, publicKey: KeyObject): void {
  const ok = verifyRequestSignature(
    publicKey,
    {
      method: req.method,
      path: req.originalUrl,
      body: rawBody(req),
      deviceId: headers.deviceId,
      timestamp: headers.timestamp,
      nonce: headers.nonce,
    },
    headers.signature,
  );
  if (!ok) throw invalidSignature('Device signature does not verify');
}

/**
 * Records the nonce inside the caller's transaction. The primary key makes a replay lose
 * atomically, even when both copies arrive at once; if the request fails later, the rollback
 * forgets the nonce too. The nonce is kept until its timestamp leaves the window.
 */
export async function consumeNonce(client: Queryable, headers: DeviceAuthHeaders): Promise<void> {
  await client.query('DELETE FROM device_nonces WHERE device_id = $1 AND expires_at < now()', [
    headers.deviceId,
  ]);
  const { rowCount } = await client.query(
    `INSERT INTO device_nonces (device_id, nonce, expires_at)
     VALUES ($1, $2, greatest(now(), to_timestamp($3::bigint / 1000.0)) + make_interval(secs => $4))
     ON CONFLICT DO NOTHING`,
    [headers.deviceId, headers.nonce, headers.timestamp, REPLAY_WINDOW_MS / 1000],
  );
  if (rowCount !== 1) throw new HttpError(403, TrustErrorCode.INVALID_NONCE, 'Nonce already used');
}

/** For a periodic sweep: devices that stopped calling leave nonces behind. */
export async function purgeExpiredNonces(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(
    '/* citus: multi-shard: housekeeping: expired nonces of every device */ DELETE FROM device_nonces WHERE expires_at < now()',
  );
  return rowCount ?? 0;
}
