import { open, type FileHandle } from 'node:fs/promises';
import { ApiError } from '../../../protocol/api';
import { decryptChunk, storedChunkRange, type Manifest } from '../../../protocol/chunks';

export interface ChunkDownloadOptions {
  /** The signed file URL; called again when the one in hand has expired (403). */
  url: (stale: boolean) => Promise<string>;
  file: string;
  manifest: Manifest;
  cek: Uint8Array;
  /** Chunks before this one are on disk and verified. */
  startAt: number;
  signal: AbortSignal;
  /** After each chunk is verified, written and synced to disk. */
  onChunk: (chunksDone: number, bytesDone: number) => Promise<void>;
  /** Attempts per chunk before giving up and reporting its index. */
  attempts?: number;
  fetchImpl?: typeof fetch;
}

/**
 * Fetches the encrypted file one chunk at a time with Range requests, checks each chunk by its
 * manifest hash and by opening it with the CEK (the plaintext is dropped at once, never written),
 * and writes the chunk as received at its place in the file. Resumable: it starts at `startAt`.
 */
export async function downloadChunks(options: ChunkDownloadOptions): Promise<void> {
  const { manifest } = options;
  const attempts = options.attempts ?? 3;
  const fetchImpl = options.fetchImpl ?? fetch;
  const handle = await openForWriting(options.file);
  let url = await options.url(false);
  try {
    let bytesDone = 0;
    for (let i = 0; i < options.startAt; i++) bytesDone += storedChunkRange(manifest, i).length;
    for (let index = options.startAt; index < manifest.chunk_count; index++) {
      const where = storedChunkRange(manifest, index);
      let lastError: unknown = null;
      for (let attempt = 1; attempt <= attempts; attempt++) {
        options.signal.throwIfAborted();
        try {
          const bytes = await fetchRange(fetchImpl, url, where, options.signal);
          const plaintext = decryptChunk(options.cek, manifest, index, bytes);
          plaintext.fill(0);
          await handle.write(bytes, 0, bytes.length, where.offset);
          lastError = null;
          break;
        } catch (error) {
          if (options.signal.aborted) throw error;
          lastError = error;
          if (error instanceof UrlExpired) url = await options.url(true);
        }
      }
      if (lastError !== null) {
        if (lastError instanceof UrlExpired)
          throw new ApiError('DOWNLOAD_URL_INVALID', 'The download link was refused by the server.');
        throw lastError;
      }
      // Synced before it is counted: a chunk counted as done is on disk after a crash.
      await handle.datasync();
      bytesDone += where.length;
      await options.onChunk(index + 1, bytesDone);
    }
    await handle.truncate(bytesDone);
  } finally {
    await handle.close();
  }
}

class UrlExpired extends Error {}

async function openForWriting(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r+', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return open(file, 'w+', 0o600);
  }
}

async function fetchRange(
  fetchImpl: typeof fetch,
  url: string,
  where: { offset: number; length: number },
  signal: AbortSignal,
): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers: { range: `bytes=${where.offset}-${where.offset + where.length - 1}` },
      signal: AbortSignal.any([signal, AbortSignal.timeout(120_000)]),
    });
  } catch (cause) {
    if (signal.aborted) throw cause;
    throw new ApiError('UNAVAILABLE', 'The server cannot be reached to download this item.');
  }
  if (response.status === 403 || response.status === 410) {
    await response.body?.cancel();
    throw new UrlExpired('download URL refused');
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status === 206) return bytes;
  // A server ignoring Range sends it all: take our slice of it.
  if (response.status === 200) return bytes.subarray(where.offset, where.offset + where.length);
  throw new ApiError('DOWNLOAD_FAILED', `The file server answered ${response.status}.`);
}
