import { Readable, Writable } from 'node:stream';
import type pg from 'pg';
import type { ByteRange, MaterialBlobs, PendingObject } from './types';
import { notFound } from './types';

/**
 * Bytes per row of offline_material_chunks. Every chunk but an object's last holds exactly this
 * many, so a byte range maps to chunk numbers by division: changing it needs a migration that
 * rewrites stored objects. 256 KiB: on PostgreSQL 15 here, 1 MiB rows were no faster to write (225
 * against 251 MiB/s) and 7% faster to read (200 against 187 MiB/s; medians of 3 runs of 64 MiB,
 * bench/materials.ts): not worth 4 times the memory a read holds, nor fetching up to 1 MiB beyond
 * each end of a ranged read.
 */
export const CHUNK_BYTES = 256 * 1024;
/** Chunks fetched per query while streaming (1 MiB): few round trips, little held at once. */
const CHUNKS_PER_READ = 4;

const UPLOAD = 'upload';
const RECEIVING = 'receiving';
const ENCRYPTED = 'encrypted';
const staged = (attempt: number) => `staged-${attempt}`;

/** Cuts whatever the writer is given into CHUNK_BYTES rows; each insert completes before more is taken. */
class ChunkWriter extends Writable {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private next = 0;
  /** The insert under way, if any: destroying the stream does not wait for it. */
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    private readonly id: string,
    private readonly kind: string,
    private readonly chunkBytes: number,
  ) {
    super({ highWaterMark: chunkBytes });
  }

  private async insert(data: Buffer): Promise<void> {
    await this.pool.query(
      'INSERT INTO offline_material_chunks (material_id, kind, n, data) VALUES ($1, $2, $3, $4)',
      [this.id, this.kind, this.next, data],
    );
    this.next++;
  }

  /** Resolves once no insert is under way (and, the stream destroyed, none will start). */
  async settled(): Promise<void> {
    await this.busy.catch(() => undefined);
  }

  private flush(all: boolean): Promise<void> {
    this.busy = this.insertHeld(all);
    return this.busy;
  }

  private async insertHeld(all: boolean): Promise<void> {
    while (this.heldBytes >= this.chunkBytes || (all && (this.heldBytes > 0 || this.next === 0))) {
      if (this.destroyed) return;
      const joined = Buffer.concat(this.held, this.heldBytes);
      const piece = joined.subarray(0, this.chunkBytes);
      const rest = joined.subarray(piece.length);
      this.held = rest.length > 0 ? [rest] : [];
      this.heldBytes = rest.length;
      await this.insert(piece);
    }
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    if (this.heldBytes < this.chunkBytes) return done();
    this.flush(false).then(() => done(), done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.flush(true).then(() => done(), done);
  }
}

async function chunkCount(pool: pg.Pool, id: string, kind: string) {
  const { rows } = await pool.query<{ chunks: number; bytes: string | null }>(
    `SELECT count(*)::int AS chunks, sum(octet_length(data)) AS bytes FROM offline_material_chunks
      WHERE material_id = $1 AND kind = $2`,
    [id, kind],
  );
  return { chunks: rows[0]!.chunks, bytes: Number(rows[0]!.bytes ?? 0) };
}

/** Streams chunks [first, last] of one object, CHUNKS_PER_READ rows per query, cut to `range`. */
function readChunks(pool: pg.Pool, id: string, kind: string, range: ByteRange, chunkBytes: number): Readable {
  const first = Math.floor(range.start / chunkBytes);
  const last = Math.floor(range.end / chunkBytes);
  async function* chunks() {
    for (let from = first; from <= last; from += CHUNKS_PER_READ) {
      const to = Math.min(last, from + CHUNKS_PER_READ - 1);
      const { rows } = await pool.query<{ n: number; data: Buffer }>(
        `SELECT n, data FROM offline_material_chunks
          WHERE material_id = $1 AND kind = $2 AND n BETWEEN $3 AND $4 ORDER BY n`,
        [id, kind, from, to],
      );
      if (rows.length !== to - from + 1) throw new Error(`material ${id}: chunks ${from}-${to} missing`);
      for (const { n, data } of rows) {
        const offset = n * chunkBytes;
        if (n < last && data.length !== chunkBytes)
          throw new Error(`material ${id}: chunk ${n} holds ${data.length} bytes, not ${chunkBytes}`);
        const start = Math.max(range.start - offset, 0);
        const end = Math.min(range.end - offset + 1, data.length);
        yield data.subarray(start, end);
      }
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

function pending(
  pool: pg.Pool,
  chunkBytes: number,
  id: string,
  kind: string,
  publish: string[],
): PendingObject {
  const stream = new ChunkWriter(pool, id, kind, chunkBytes);
  return {
    stream,
    async commit(db = pool) {
      for (const sql of publish) await db.query(sql, [id, kind]);
    },
    async abort() {
      // An upload cut off mid-insert: that row commits after a DELETE sent at once, and its
      // plaintext would stay until the sweep.
      stream.destroy();
      await stream.settled();
      await pool
        .query('DELETE FROM offline_material_chunks WHERE material_id = $1 AND kind = $2', [id, kind])
        .catch(() => undefined);
    },
  };
}

/**
 * Chunked `bytea` rows in PostgreSQL (offline_material_chunks), which every server and worker on
 * the same DATABASE_URL shares. An object is written under a kind of its own (`receiving`,
 * `staged-<attempt>`) and published by renaming its rows' kind in one transaction: an UPDATE that
 * leaves `data` alone keeps the same TOAST values, so publishing 512 MiB moves no bytes, and a
 * reader sees the old object or the new one, never a mix.
 */
export function databaseBlobs(
  pool: pg.Pool,
  /** Only bench/materials.ts passes another, to compare sizes: an object is read with the size it was written with. */
  chunkBytes = CHUNK_BYTES,
): MaterialBlobs {
  const read = (id: string, kind: string, range: ByteRange) => readChunks(pool, id, kind, range, chunkBytes);
  return {
    store: 'database',
    receiveUpload: async (id) =>
      pending(pool, chunkBytes, id, RECEIVING, [
        `UPDATE offline_material_chunks SET kind = '${UPLOAD}' WHERE material_id = $1 AND kind = $2`,
      ]),
    async openUpload(id) {
      const { chunks, bytes } = await chunkCount(pool, id, UPLOAD);
      if (chunks === 0) throw notFound(`upload of material ${id}`);
      return bytes === 0 ? Readable.from([]) : read(id, UPLOAD, { start: 0, end: bytes - 1 });
    },
    async deleteUpload(id) {
      await pool.query('DELETE FROM offline_material_chunks WHERE material_id = $1 AND kind = $2', [
        id,
        UPLOAD,
      ]);
    },
    stageEncrypted: async (id, attempt) =>
      pending(pool, chunkBytes, id, staged(attempt), [
        // The previous object, and what attempts whose lease lapsed left behind, make way.
        `DELETE FROM offline_material_chunks WHERE material_id = $1 AND kind NOT IN ('${UPLOAD}', $2)`,
        `UPDATE offline_material_chunks SET kind = '${ENCRYPTED}' WHERE material_id = $1 AND kind = $2`,
      ]),
    async encryptedSize(id) {
      const { chunks, bytes } = await chunkCount(pool, id, ENCRYPTED);
      return chunks === 0 ? undefined : bytes;
    },
    openEncrypted: async (id, range) => read(id, ENCRYPTED, range),
  };
}
