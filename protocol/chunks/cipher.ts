import { canonicalBytes } from '../crypto/canonical';
import { GCM_IV_BYTES } from './constants';

/**
 * IV for chunk i: the base IV XOR i as a 96-bit big-endian integer (the TLS 1.3 construction), so
 * every chunk under one CEK gets a distinct IV without storing any. A CEK must encrypt one file
 * once: re-encrypting different bytes under the same CEK and base IV would reuse IVs.
 */
export function chunkIv(baseIv: Uint8Array, index: number): Buffer {
  if (baseIv.length !== GCM_IV_BYTES) throw new TypeError('The base IV is 12 bytes');
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError('Chunk index out of range');
  const iv = Buffer.from(baseIv);
  const counter = Buffer.alloc(GCM_IV_BYTES);
  counter.writeBigUInt64BE(BigInt(index), GCM_IV_BYTES - 8);
  for (let i = 0; i < GCM_IV_BYTES; i++) iv[i] = iv[i]! ^ counter[i]!;
  return iv;
}

/**
 * AAD binds a chunk to its material, its place, and whether it ends the file: a chunk cannot be
 * moved to another material or position, and a file cut at a chunk boundary fails at the new end.
 */
export function chunkAad(materialId: string, index: number, last: boolean): Buffer {
  return canonicalBytes({ material_id: materialId, index, last });
}
