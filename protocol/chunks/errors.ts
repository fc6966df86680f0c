export type ChunkErrorCode = 'CHUNK_HASH_MISMATCH' | 'CHUNK_DECRYPT_FAILED' | 'CHUNK_OUT_OF_RANGE';

export class ChunkError extends Error {
  override readonly name = 'ChunkError';
  constructor(
    readonly code: ChunkErrorCode,
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}
