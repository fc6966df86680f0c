import { createDecipheriv, randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import {
  chunkAad,
  chunkIv,
  ChunkError,
  GCM_TAG_BYTES,
  plaintextChunkLength,
  plaintextRange,
  STORED_CHUNK_SIZE,
  storedChunkRange,
  type Manifest,
} from '../../../protocol/chunks';
import { parseByteRange } from './byte-range';

/** An opened material: its key lives here, in memory, until the viewer closes it. */
export interface ContentSessionInput {
  materialId: string;
  contentType: string;
  /** The encrypted file as downloaded. */
  file: string;
  manifest: Manifest;
  cek: Uint8Array;
}

interface ContentSession extends ContentSessionInput {
  id: string;
  /** Opened on the first read, closed with the session. */
  fd: number | null;
  /**
   * The one stored chunk being opened. A chunk is read and decrypted in one synchronous step, so
   * concurrent requests of the session never see each other's bytes here, and no buffer is allocated
   * per chunk read.
   */
  scratch: Buffer | null;
  baseIv: Buffer;
  /** The last few decrypted chunks: pdf.js asks for many small ranges inside the same chunk. */
  cache: Map<number, Buffer>;
}

export interface ContentReply {
  status: number;
  headers: Record<string, string>;
  /** Null for HEAD and error answers without a body stream. */
  body: Readable | null;
}

export type ChunkFailureListener = (materialId: string, error: ChunkError) => void;

const CACHED_CHUNKS = 4;

/** The Electron shell's content route (src-main/shell/app-protocol.ts). */
export const ELECTRON_CONTENT_BASE = 'app://outpost/content/';

/** Every content answer: never cached, never sniffed into something else, never framed elsewhere. */
const BASE_HEADERS: Record<string, string> = {
  'cache-control': 'no-store, no-cache, must-revalidate, private',
  pragma: 'no-cache',
  'x-content-type-options': 'nosniff',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; sandbox",
};

/**
 * The open content sessions and the one function that streams them. Only chunks a request needs are
 * read and decrypted, each authenticated by its GCM tag before any of it is sent; plaintext exists only
 * in memory and in the response.
 */
export class ContentSessions {
  private readonly byId = new Map<string, ContentSession>();
  private readonly listeners = new Set<(openCount: number) => void>();
  private urlBuilder: (sessionId: string) => string = (id) => `${ELECTRON_CONTENT_BASE}${id}`;
  /** Told when a chunk on disk fails its check, so the Library can say which and offer a new download. */
  onChunkFailure: ChunkFailureListener = () => undefined;

  /** Whoever hosts the viewer says how it reaches a session (Electron's scheme, the browser host's route). */
  setUrlBuilder(builder: (sessionId: string) => string): void {
    this.urlBuilder = builder;
  }

  urlFor(sessionId: string): string {
    return this.urlBuilder(sessionId);
  }

  /** Registers a session (closing any earlier one of the same material); returns its unguessable id. */
  open(input: ContentSessionInput): string {
    this.close(input.materialId);
    const id = randomBytes(32).toString('base64url');
    this.byId.set(id, {
      ...input,
      cek: Buffer.from(input.cek),
      baseIv: Buffer.from(input.manifest.base_iv, 'base64url'),
      id,
      fd: null,
      scratch: null,
      cache: new Map(),
    });
    this.notify();
    return id;
  }

  /** Ends every session of the material; its key is wiped. */
  close(materialId: string): boolean {
    let closed = false;
    for (const session of [...this.byId.values()]) {
      if (session.materialId !== materialId) continue;
      this.drop(session);
      closed = true;
    }
    if (closed) this.notify();
    return closed;
  }

  closeAll(): void {
    for (const session of [...this.byId.values()]) this.drop(session);
    this.notify();
  }

  get openCount(): number {
    return this.byId.size;
  }

  /** Called with the number of open sessions whenever it changes (the shell guards the window). */
  watch(listener: (openCount: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** `GET|HEAD <content route>/<sessionId>` with an optional Range header. */
  async serve(sessionId: string, rangeHeader?: string | null, method = 'GET'): Promise<ContentReply> {
    const session = this.byId.get(sessionId);
    if (!session) return textReply(404, 'No such content session (closed, or never opened).');
    if (method !== 'GET' && method !== 'HEAD')
      return { ...textReply(405, 'GET or HEAD'), headers: { ...BASE_HEADERS, allow: 'GET, HEAD' } };
    const size = session.manifest.plaintext_size;
    const headers: Record<string, string> = {
      ...BASE_HEADERS,
      'content-type': session.contentType,
      'accept-ranges': 'bytes',
    };
    const range = parseByteRange(rangeHeader, size);
    if (range === 'unsatisfiable') {
      return { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` }, body: null };
    }
    const status = range ? 206 : 200;
    if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
    if (size === 0) {
      return {
        status: 200,
        headers: { ...headers, 'content-length': '0' },
        body: method === 'HEAD' ? null : Readable.from([]),
      };
    }
    const plan = plaintextRange(range?.start ?? 0, range?.end ?? size - 1, size);
    headers['content-length'] = String(plan.length);
    if (method === 'HEAD') return { status, headers, body: null };

    // The first chunk is opened before answering, so a corrupt one is a clear error, not a cut stream.
    let first: Buffer;
    try {
      first = this.chunk(session, plan.chunks[0]!.index);
    } catch (error) {
      return this.failure(session, error);
    }
    const [c0, ...rest] = plan.chunks;
    const open = (index: number) => this.openStored(session, index);
    // Pulled one chunk at a time as the response drains: the event loop runs between chunks.
    function* slices(): Generator<Buffer> {
      yield first.subarray(c0!.sliceStart, c0!.sliceEnd);
      for (const c of rest) yield open(c.index).subarray(c.sliceStart, c.sliceEnd);
    }
    const body = Readable.from(slices(), { objectMode: false });
    body.on('error', (error) => {
      if (error instanceof ChunkError) this.onChunkFailure(session.materialId, error);
    });
    return { status, headers, body };
  }

  /** Chunk `index` in clear, from the small cache (pdf.js asks for many ranges inside one chunk). */
  private chunk(session: ContentSession, index: number): Buffer {
    const cached = session.cache.get(index);
    if (cached) {
      session.cache.delete(index);
      session.cache.set(index, cached);
      return cached;
    }
    const plaintext = this.openStored(session, index);
    session.cache.set(index, plaintext);
    if (session.cache.size > CACHED_CHUNKS) {
      // Not zeroed: a response may still be sending a slice of it.
      session.cache.delete(session.cache.keys().next().value!);
    }
    return plaintext;
  }

  /**
   * Reads chunk `index` from disk and opens it. The read is synchronous, as the store's SQLite reads
   * are: measured on a 256 MiB file, awaiting the libuv threadpool cost ~2.7 ms per 8 MiB read against
   * ~1 ms for the read itself, and left the bytes in another core's cache; a 1 MiB read from the
   * page cache or an SSD holds the event loop no longer than decrypting that chunk does.
   */
  private openStored(session: ContentSession, index: number): Buffer {
    // Its key is wiped and its file closed once closed: reading after that would blame the chunk.
    if (!this.byId.has(session.id)) throw new Error('The content session was closed');
    const where = storedChunkRange(session.manifest, index);
    session.fd ??= openSync(session.file, 'r');
    session.scratch ??= Buffer.allocUnsafe(STORED_CHUNK_SIZE);
    const bytesRead = readSync(session.fd, session.scratch, 0, where.length, where.offset);
    return openChunk(session, index, session.scratch.subarray(0, bytesRead));
  }

  private failure(session: ContentSession, error: unknown): ContentReply {
    if (error instanceof ChunkError) {
      this.onChunkFailure(session.materialId, error);
      return jsonReply(500, { code: error.code, message: error.message, index: error.index });
    }
    return jsonReply(500, {
      code: 'CONTENT_READ_FAILED',
      message: error instanceof Error ? error.message : String(error),
    });
  }

  private drop(session: ContentSession): void {
    this.byId.delete(session.id);
    session.cek.fill(0);
    session.cache.clear();
    if (session.fd !== null) closeSync(session.fd);
    session.fd = null;
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.byId.size);
  }
}

/**
 * AES-256-GCM open of one stored chunk. Reading checks the GCM tag only: under the CEK that the
 * signed licence delivers, the tag authenticates the chunk, its index and whether it is last, so the
 * manifest hash (checked with the tag on download, by decryptChunk) would add a second pass over
 * every byte for no extra assurance. The plaintext is `update`'s own buffer: no concatenating copy.
 * A short or damaged chunk fails the same way, with its index.
 */
function openChunk(session: ContentSession, index: number, stored: Buffer): Buffer {
  const { manifest } = session;
  const length = plaintextChunkLength(manifest, index);
  try {
    if (stored.length !== length + GCM_TAG_BYTES) throw new Error('length');
    const decipher = createDecipheriv('aes-256-gcm', session.cek, chunkIv(session.baseIv, index));
    decipher.setAAD(chunkAad(manifest.material_id, index, index === manifest.chunk_count - 1));
    decipher.setAuthTag(stored.subarray(length));
    const plaintext = decipher.update(stored.subarray(0, length));
    decipher.final();
    return plaintext;
  } catch {
    throw new ChunkError('CHUNK_DECRYPT_FAILED', index, `chunk ${index} does not authenticate`);
  }
}

function textReply(status: number, text: string): ContentReply {
  return {
    status,
    headers: { ...BASE_HEADERS, 'content-type': 'text/plain; charset=utf-8' },
    body: Readable.from([Buffer.from(text)]),
  };
}

function jsonReply(status: number, body: unknown): ContentReply {
  return {
    status,
    headers: { ...BASE_HEADERS, 'content-type': 'application/json' },
    body: Readable.from([Buffer.from(JSON.stringify(body))]),
  };
}
