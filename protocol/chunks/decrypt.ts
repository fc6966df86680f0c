import { createDecipheriv, createHash } from 'node:crypto';
import { GCM_TAG_BYTES, STORED_CHUNK_SIZE } from './constants';
import { chunkAad, chunkIv } from './cipher';
import { ChunkError } from './errors';
import type { Manifest } from './manifest';
import { plaintextChunkLength } from './manifest';

/** Where chunk `index` lies in the ciphertext file, to fetch or read just that chunk. */
export function storedChunkRange(manifest: Manifest, index: number): { offset: number; length: number } {
  if (!Number.isInteger(index) || index < 0 || index >= manifest.chunk_count)
    throw new ChunkError('CHUNK_OUT_OF_RANGE', index, `no chunk ${index} in ${manifest.chunk_count}`);
  return { offset: index * STORED_CHUNK_SIZE, length: plaintextChunkLength(manifest, index) + GCM_TAG_BYTES };
}

/**
 * Checks the stored chunk against the manifest hash first (cheap, and tells a corrupt download from
 * a wrong key), then opens it with AES-256-GCM. The manifest must be one the caller trusts: its hash
 * matches a verified licence's content.manifest_sha256.
 */
export function decryptChunk(cek: Uint8Array, manifest: Manifest, index: number, stored: Uint8Array): Buffer {
  storedChunkRange(manifest, index);
  const expected = manifest.chunks[index]!.sha256;
  if (createHash('sha256').update(stored).digest('base64url') !== expected)
    throw new ChunkError('CHUNK_HASH_MISMATCH', index, `chunk ${index} does not match the manifest`);
  const data = Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      cek,
      chunkIv(Buffer.from(manifest.base_iv, 'base64url'), index),
    );
    decipher.setAAD(chunkAad(manifest.material_id, index, index === manifest.chunk_count - 1));
    decipher.setAuthTag(data.subarray(data.length - GCM_TAG_BYTES));
    const plaintext = Buffer.concat([
      decipher.update(data.subarray(0, data.length - GCM_TAG_BYTES)),
      decipher.final(),
    ]);
    if (plaintext.length !== plaintextChunkLength(manifest, index)) throw new Error('length');
    return plaintext;
  } catch {
    throw new ChunkError('CHUNK_DECRYPT_FAILED', index, `chunk ${index} does not authenticate`);
  }
}
