import { CHUNK_SIZE, GCM_TAG_BYTES, STORED_CHUNK_SIZE } from './constants';

export interface RangeChunk {
  index: number;
  /** Where to read the stored chunk in the ciphertext file. */
  storedOffset: number;
  storedLength: number;
  /** The slice of this chunk's plaintext that belongs to the range, end exclusive. */
  sliceStart: number;
  sliceEnd: number;
}

/**
 * Maps an HTTP byte range of the plaintext (`start` and `end` inclusive, as in `Range: bytes=s-e`;
 * `end` is clamped to the file) to the chunks to read and decrypt. Throws RangeError when nothing
 * of the file is inside it: the caller answers 416.
 */
export function plaintextRange(
  start: number,
  end: number,
  plaintextSize: number,
): { start: number; end: number; length: number; chunks: RangeChunk[] } {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start)
    throw new RangeError('Invalid byte range');
  if (start >= plaintextSize) throw new RangeError('Range not satisfiable');
  const last = Math.min(end, plaintextSize - 1);
  const chunkCount = Math.max(1, Math.ceil(plaintextSize / CHUNK_SIZE));
  const chunks: RangeChunk[] = [];
  for (let index = Math.floor(start / CHUNK_SIZE); index <= Math.floor(last / CHUNK_SIZE); index++) {
    const chunkStart = index * CHUNK_SIZE;
    const plainLength = index < chunkCount - 1 ? CHUNK_SIZE : plaintextSize - chunkStart;
    chunks.push({
      index,
      storedOffset: index * STORED_CHUNK_SIZE,
      storedLength: plainLength + GCM_TAG_BYTES,
      sliceStart: Math.max(start, chunkStart) - chunkStart,
      sliceEnd: Math.min(last + 1, chunkStart + plainLength) - chunkStart,
    });
  }
  return { start, end: last, length: last - start + 1, chunks };
}
