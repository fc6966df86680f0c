import type { FileHandle } from 'node:fs/promises';
import { storedChunkRange, STORED_CHUNK_SIZE, type Manifest } from '../../../protocol/chunks';

/** Chunks per read when a response spans many (8 MiB). */
export const READ_WINDOW = 8;

/**
 * Stored chunks from..to of one response, read a window per system call into two buffers used in
 * turn: the next window is read while the current one is decrypted, and no buffer is allocated per
 * chunk (fresh memory costs page faults and collections, which measured more than the AES itself).
 * Each yielded chunk is a view into a buffer that is overwritten two windows later: the consumer
 * must be done with it (decrypted into a new buffer) before asking for the next one.
 */
export async function* storedChunks(
  handle: Promise<FileHandle>,
  manifest: Manifest,
  from: number,
  to: number,
): AsyncGenerator<{ index: number; stored: Buffer }> {
  if (from > to) return;
  const windowBytes = Math.min(READ_WINDOW, to - from + 1) * STORED_CHUNK_SIZE;
  const buffers = [Buffer.allocUnsafe(windowBytes), Buffer.allocUnsafe(windowBytes)];
  interface Window {
    start: number;
    end: number;
    bytes: Buffer;
    base: number;
  }
  const read = async (slot: number, start: number): Promise<Window> => {
    const end = Math.min(to, start + READ_WINDOW - 1);
    const first = storedChunkRange(manifest, start);
    const last = storedChunkRange(manifest, end);
    const buffer = buffers[slot]!;
    const { bytesRead } = await (
      await handle
    ).read(buffer, 0, last.offset + last.length - first.offset, first.offset);
    return { start, end, bytes: buffer.subarray(0, bytesRead), base: first.offset };
  };
  let slot = 0;
  let pending: Promise<Window> | null = read(slot, from);
  while (pending) {
    const window: Window = await pending;
    slot = 1 - slot;
    pending = window.end < to ? read(slot, window.end + 1) : null;
    // An abandoned read must not surface as an unhandled rejection.
    pending?.catch(() => undefined);
    for (let index = window.start; index <= window.end; index++) {
      const where = storedChunkRange(manifest, index);
      const offset = where.offset - window.base;
      // A file cut short yields a short chunk, which then fails to authenticate with its index.
      yield { index, stored: window.bytes.subarray(offset, offset + where.length) };
    }
  }
}
