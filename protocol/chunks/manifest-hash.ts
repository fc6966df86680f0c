import { createHash } from 'node:crypto';
import { canonicalBytes } from '../crypto/canonical';
import type { Manifest } from './manifest';

/** What a licence pins (content.manifest_sha256): SHA-256 of the manifest's canonical bytes. */
export function manifestHash(manifest: Manifest): string {
  return createHash('sha256').update(canonicalBytes(manifest)).digest('base64url');
}
