import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { text } from '../text';
import { base64urlBytes, base64urlText } from './base64url';
import { signCanonical, verifyCanonical } from './ed25519';

/**
 * How a device authenticates an HTTP request: an Ed25519 signature over the method, the path with
 * its query, the SHA-256 of the exact body bytes, a timestamp and a single-use nonce. The server
 * accepts a timestamp within REPLAY_WINDOW_MS of its clock and remembers nonces for that long, so a
 * captured request cannot be replayed (INVALID_NONCE) and a changed byte breaks the signature.
 */
export const REPLAY_WINDOW_MS = 5 * 60 * 1000;

export const DEVICE_HEADERS = {
  deviceId: 'x-outpost-device',
  timestamp: 'x-outpost-timestamp',
  nonce: 'x-outpost-nonce',
  signature: 'x-outpost-signature',
} as const;

export const DeviceAuthHeaders = z.object({
  deviceId: text(128),
  timestamp: z.string().regex(/^\d{13}$/, 'milliseconds since the epoch'),
  nonce: base64urlText({ min: 22, max: 64 }),
  signature: base64urlBytes(64, 'Ed25519 signature'),
});
export type DeviceAuthHeaders = z.infer<typeof DeviceAuthHeaders>;

export interface SignedRequestFields {
  method: string;
  /** Path and query exactly as sent, e.g. `/offline/push?x=1`. */
  path: string;
  body: Uint8Array;
  deviceId: string;
  timestamp: string;
  nonce: string;
}

export function bodyHash(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('base64url');
}

function signedValue(fields: SignedRequestFields) {
  return {
    v: 1,
    method: fields.method.toUpperCase(),
    path: fields.path,
    body: bodyHash(fields.body),
    device: fields.deviceId,
    ts: fields.timestamp,
    nonce: fields.nonce,
  };
}

export function signRequest(
  privateKey: KeyObject,
  request: { method: string; path: string; body: Uint8Array; deviceId: string },
  now = Date.now(),
): Record<string, string> {
  const fields: SignedRequestFields = {
    ...request,
    timestamp: String(now),
    nonce: randomBytes(16).toString('base64url'),
  };
  return {
    [DEVICE_HEADERS.deviceId]: fields.deviceId,
    [DEVICE_HEADERS.timestamp]: fields.timestamp,
    [DEVICE_HEADERS.nonce]: fields.nonce,
    [DEVICE_HEADERS.signature]: signCanonical(privateKey, signedValue(fields)),
  };
}

export function verifyRequestSignature(
  publicKey: KeyObject,
  fields: SignedRequestFields,
  signature: string,
): boolean {
  return verifyCanonical(publicKey, signedValue(fields), signature);
}

export function withinReplayWindow(timestamp: string, now = Date.now()): boolean {
  const ts = Number(timestamp);
  return Number.isSafeInteger(ts) && Math.abs(now - ts) <= REPLAY_WINDOW_MS;
}
