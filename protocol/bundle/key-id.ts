import { hash } from 'node:crypto';

/**
 * The `hpke.server_key_id` of a bundle sealed to the server's X25519 key `hpkePublicKey` (32 bytes,
 * base64url, as GET /api/v1/offline/server-keys and the enrollment answer publish it): `x25519:`
 * and the first 22 characters of the base64url SHA-256 of the raw key. The server publishes no id,
 * so terminal and server each derive it from the key; the server refuses a bundle whose id names no
 * key it holds (UNKNOWN_SERVER_KEY, docs/protocol.md).
 */
export function serverKeyId(hpkePublicKey: string): string {
  return `x25519:${hash('sha256', Buffer.from(hpkePublicKey, 'base64url'), 'base64url').slice(0, 22)}`;
}
