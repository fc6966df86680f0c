import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { CHUNK_SIZE, GCM_IV_BYTES } from './constants';
import { chunkAad, chunkIv } from './cipher';
import { chunkCountFor, Manifest } from './manifest';

export interface ChunkEncryptorOptions {
  /** 32-byte content encryption key, fresh per material. */
  cek: Uint8Array;
  materialId: string;
  contentType: string;
  /** Tests only: a fixed base IV. */
  baseIv?: Uint8Array;
}

/**
 * Plaintext in, ciphertext file out (chunk i at i × (CHUNK_SIZE + 16), each ciphertext‖tag); the
 * manifest is ready once the stream has finished. It holds at most two chunks in memory: a chunk is
 * only sealed when the next byte arrives or the input ends, because its aad says whether it is last.
 */
export class ChunkEncryptor extends Transform {
  private readonly cek: Buffer;
  private readonly baseIv: Buffer;
  private readonly materialId: string;
  private readonly contentType: string;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private size = 0;
  private readonly hashes: string[] = [];
  private result: Manifest | null = null;

  constructor(options: ChunkEncryptorOptions) {
    super();
    if (options.cek.length !== 32) throw new TypeError('The CEK is 32 bytes');
    this.cek = Buffer.from(options.cek);
    this.baseIv = Buffer.from(options.baseIv ?? randomBytes(GCM_IV_BYTES));
    if (this.baseIv.length !== GCM_IV_BYTES) throw new TypeError('The base IV is 12 bytes');
    this.materialId = options.materialId;
    this.contentType = options.contentType;
  }

  /** Throws until the stream has ended. */
  get manifest(): Manifest {
    if (!this.result) throw new Error('The manifest exists once the input has ended');
    return this.result;
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.size += bytes.length;
    // Strictly more than a chunk: a byte beyond it proves the chunk is not the last.
    while (this.pendingBytes > CHUNK_SIZE) this.emitChunk(this.takeBytes(CHUNK_SIZE), false);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.emitChunk(this.takeBytes(this.pendingBytes), true);
      this.result = Manifest.parse({
        v: 1,
        material_id: this.materialId,
        content_type: this.contentType,
        plaintext_size: this.size,
        chunk_size: CHUNK_SIZE,
        chunk_count: chunkCountFor(this.size),
        base_iv: this.baseIv.toString('base64url'),
        cipher: 'AES-256-GCM',
        chunks: this.hashes.map((sha256, index) => ({ index, sha256 })),
      });
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  private takeBytes(length: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    const head = all.subarray(0, length);
    const rest = all.subarray(length);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    return head;
  }

  private emitChunk(plaintext: Buffer, last: boolean): void {
    const index = this.hashes.length;
    const cipher = createCipheriv('aes-256-gcm', this.cek, chunkIv(this.baseIv, index));
    cipher.setAAD(chunkAad(this.materialId, index, last));
    const stored = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    this.hashes.push(createHash('sha256').update(stored).digest('base64url'));
    this.push(stored);
  }
}
