import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  CHUNK_SIZE,
  ChunkEncryptor,
  GCM_TAG_BYTES,
  Manifest,
  STORED_CHUNK_SIZE,
  chunkIv,
  decryptChunk,
  manifestHash,
  plaintextRange,
  storedChunkRange,
  type ChunkErrorCode,
} from './index';

async function encrypt(plaintext: Buffer, materialId = 'mat-1', cek = randomBytes(32), piece = 64 * 1024) {
  const encryptor = new ChunkEncryptor({ cek, materialId, contentType: 'application/pdf' });
  const out: Buffer[] = [];
  const pieces = function* () {
    for (let i = 0; i < plaintext.length; i += piece) yield plaintext.subarray(i, i + piece);
  };
  await pipeline(Readable.from(pieces()), encryptor, async (source: AsyncIterable<Buffer>) => {
    for await (const b of source) out.push(b);
  });
  return { cek, file: Buffer.concat(out), manifest: encryptor.manifest };
}

function decryptAll(cek: Uint8Array, manifest: Manifest, file: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < manifest.chunk_count; i++) {
    const { offset, length } = storedChunkRange(manifest, i);
    parts.push(decryptChunk(cek, manifest, i, file.subarray(offset, offset + length)));
  }
  return Buffer.concat(parts);
}

function storedChunk(file: Buffer, manifest: Manifest, i: number): Buffer {
  const { offset, length } = storedChunkRange(manifest, i);
  return file.subarray(offset, offset + length);
}

function failsWith(fn: () => unknown, code: ChunkErrorCode, index: number) {
  expect(fn).toThrow(expect.objectContaining({ name: 'ChunkError', code, index }));
}

describe('chunked content encryption', () => {
  for (const [label, size] of [
    ['0', 0],
    ['1', 1],
    ['CHUNK-1', CHUNK_SIZE - 1],
    ['CHUNK', CHUNK_SIZE],
    ['CHUNK+1', CHUNK_SIZE + 1],
    ['3.5 MiB', 3.5 * CHUNK_SIZE],
  ] as const) {
    it(`round-trips ${label} bytes with the documented layout`, async () => {
      const plaintext = randomBytes(size);
      const { cek, file, manifest } = await encrypt(plaintext);
      const count = Math.max(1, Math.ceil(size / CHUNK_SIZE));
      expect(manifest).toMatchObject({
        plaintext_size: size,
        chunk_count: count,
        chunk_size: CHUNK_SIZE,
        cipher: 'AES-256-GCM',
      });
      expect(file.length).toBe(size + count * GCM_TAG_BYTES);
      expect(Manifest.parse(manifest)).toEqual(manifest);
      expect(decryptAll(cek, manifest, file).equals(plaintext)).toBe(true);
    });
  }

  it('gives the same result whatever size the input pieces come in', async () => {
    const plaintext = randomBytes(CHUNK_SIZE + 10);
    const cek = randomBytes(32);
    const baseIv = randomBytes(12);
    const run = async (piece: number) => {
      const e = new ChunkEncryptor({ cek, materialId: 'm', contentType: 't', baseIv });
      const out: Buffer[] = [];
      await pipeline(
        Readable.from([plaintext.subarray(0, piece), plaintext.subarray(piece)]),
        e,
        async (s: AsyncIterable<Buffer>) => {
          for await (const b of s) out.push(b);
        },
      );
      return { file: Buffer.concat(out), hash: manifestHash(e.manifest) };
    };
    const a = await run(1);
    const b = await run(CHUNK_SIZE);
    expect(a.file.equals(b.file)).toBe(true);
    expect(a.hash).toBe(b.hash);
  });

  it('derives IVs as base XOR index (96-bit big-endian), all distinct', () => {
    const base = Buffer.from('00112233445566778899aabb', 'hex');
    expect(chunkIv(base, 0).toString('hex')).toBe('00112233445566778899aabb');
    expect(chunkIv(base, 1).toString('hex')).toBe('00112233445566778899aaba');
    expect(chunkIv(base, 0x0102).toString('hex')).toBe('00112233445566778899abb9');
    expect(chunkIv(base, 2 ** 40).toString('hex')).toBe('00112233445567778899aabb');
    expect(() => chunkIv(base.subarray(1), 0)).toThrow(/12 bytes/);
  });

  it('reports a flipped byte in chunk k as CHUNK_HASH_MISMATCH at k', async () => {
    const { cek, file, manifest } = await encrypt(randomBytes(3.5 * CHUNK_SIZE));
    for (const k of [0, 2, 3]) {
      const damaged = Buffer.from(storedChunk(file, manifest, k));
      damaged[100] = damaged[100]! ^ 0x01;
      failsWith(() => decryptChunk(cek, manifest, k, damaged), 'CHUNK_HASH_MISMATCH', k);
    }
  });

  it('refuses swapped chunks, by hash and (with a forged manifest) by GCM', async () => {
    const { cek, file, manifest } = await encrypt(randomBytes(3 * CHUNK_SIZE));
    const c0 = storedChunk(file, manifest, 0);
    const c1 = storedChunk(file, manifest, 1);
    failsWith(() => decryptChunk(cek, manifest, 0, c1), 'CHUNK_HASH_MISMATCH', 0);
    const forged: Manifest = {
      ...manifest,
      chunks: [
        { index: 0, sha256: manifest.chunks[1]!.sha256 },
        { index: 1, sha256: manifest.chunks[0]!.sha256 },
        manifest.chunks[2]!,
      ],
    };
    failsWith(() => decryptChunk(cek, forged, 0, c1), 'CHUNK_DECRYPT_FAILED', 0);
    failsWith(() => decryptChunk(cek, forged, 1, c0), 'CHUNK_DECRYPT_FAILED', 1);
    expect(manifestHash(forged)).not.toBe(manifestHash(manifest));
  });

  it('refuses a file truncated at a chunk boundary', async () => {
    const { cek, file, manifest } = await encrypt(randomBytes(3 * CHUNK_SIZE));
    // The attacker drops the last chunk and rewrites the manifest to match: chunk 1 was not sealed as last.
    const truncated: Manifest = {
      ...manifest,
      plaintext_size: 2 * CHUNK_SIZE,
      chunk_count: 2,
      chunks: manifest.chunks.slice(0, 2),
    };
    expect(Manifest.safeParse(truncated).success).toBe(true);
    failsWith(
      () => decryptChunk(cek, truncated, 1, storedChunk(file, manifest, 1)),
      'CHUNK_DECRYPT_FAILED',
      1,
    );
    // A partly written last chunk fails its hash.
    failsWith(
      () => decryptChunk(cek, manifest, 2, storedChunk(file, manifest, 2).subarray(0, 1000)),
      'CHUNK_HASH_MISMATCH',
      2,
    );
    failsWith(() => decryptChunk(cek, manifest, 3, Buffer.alloc(0)), 'CHUNK_OUT_OF_RANGE', 3);
  });

  it('refuses a chunk from another material, even under the same CEK and base IV', async () => {
    const cek = randomBytes(32);
    const plaintext = randomBytes(CHUNK_SIZE + 5);
    const a = await encrypt(plaintext, 'mat-a', cek);
    const b = await encrypt(plaintext, 'mat-b', cek);
    failsWith(
      () => decryptChunk(cek, a.manifest, 0, storedChunk(b.file, b.manifest, 0)),
      'CHUNK_HASH_MISMATCH',
      0,
    );
    const sameIv = { ...b.manifest, material_id: 'mat-a' };
    failsWith(
      () =>
        decryptChunk(
          cek,
          { ...a.manifest, base_iv: b.manifest.base_iv, chunks: b.manifest.chunks },
          0,
          storedChunk(b.file, b.manifest, 0),
        ),
      'CHUNK_DECRYPT_FAILED',
      0,
    );
    failsWith(
      () => decryptChunk(cek, sameIv, 0, storedChunk(b.file, b.manifest, 0)),
      'CHUNK_DECRYPT_FAILED',
      0,
    );
  });

  it('refuses the wrong CEK', async () => {
    const { file, manifest } = await encrypt(randomBytes(10));
    failsWith(
      () => decryptChunk(randomBytes(32), manifest, 0, storedChunk(file, manifest, 0)),
      'CHUNK_DECRYPT_FAILED',
      0,
    );
  });

  it('validates manifests', () => {
    const good: Manifest = {
      v: 1,
      material_id: 'm',
      content_type: 'text/plain',
      plaintext_size: CHUNK_SIZE + 1,
      chunk_size: CHUNK_SIZE,
      chunk_count: 2,
      base_iv: 'AAAAAAAAAAAAAAAA',
      cipher: 'AES-256-GCM',
      chunks: [
        { index: 0, sha256: 'A'.repeat(43) },
        { index: 1, sha256: 'A'.repeat(43) },
      ],
    };
    expect(Manifest.safeParse(good).success).toBe(true);
    expect(Manifest.safeParse({ ...good, chunk_count: 3 }).success).toBe(false);
    expect(Manifest.safeParse({ ...good, chunks: [...good.chunks].reverse() }).success).toBe(false);
    expect(Manifest.safeParse({ ...good, chunk_size: 4096 }).success).toBe(false);
    expect(Manifest.safeParse({ ...good, plaintext_size: 0, chunk_count: 0, chunks: [] }).success).toBe(
      false,
    );
    expect(Manifest.safeParse({ ...good, extra: 1 }).success).toBe(false);
  });
});

describe('plaintextRange', () => {
  const size = 3.5 * CHUNK_SIZE;

  it('maps a range inside one chunk', () => {
    expect(plaintextRange(10, 19, size)).toEqual({
      start: 10,
      end: 19,
      length: 10,
      chunks: [{ index: 0, storedOffset: 0, storedLength: STORED_CHUNK_SIZE, sliceStart: 10, sliceEnd: 20 }],
    });
  });

  it('maps a range across chunks and clamps the end to the file', () => {
    const r = plaintextRange(CHUNK_SIZE - 1, 10 * CHUNK_SIZE, size);
    expect(r.end).toBe(size - 1);
    expect(r.length).toBe(size - CHUNK_SIZE + 1);
    expect(r.chunks.map((c) => [c.index, c.sliceStart, c.sliceEnd])).toEqual([
      [0, CHUNK_SIZE - 1, CHUNK_SIZE],
      [1, 0, CHUNK_SIZE],
      [2, 0, CHUNK_SIZE],
      [3, 0, CHUNK_SIZE / 2],
    ]);
    expect(r.chunks[3]).toMatchObject({
      storedOffset: 3 * STORED_CHUNK_SIZE,
      storedLength: CHUNK_SIZE / 2 + 16,
    });
  });

  it('handles exact chunk boundaries and refuses unsatisfiable ranges', () => {
    expect(plaintextRange(CHUNK_SIZE, CHUNK_SIZE, size).chunks).toEqual([
      {
        index: 1,
        storedOffset: STORED_CHUNK_SIZE,
        storedLength: STORED_CHUNK_SIZE,
        sliceStart: 0,
        sliceEnd: 1,
      },
    ]);
    expect(() => plaintextRange(size, size + 5, size)).toThrow(RangeError);
    expect(() => plaintextRange(0, 0, 0)).toThrow(RangeError);
    expect(() => plaintextRange(5, 4, size)).toThrow(RangeError);
    expect(() => plaintextRange(-1, 4, size)).toThrow(RangeError);
  });

  it('returns slices that decrypt to the requested bytes', async () => {
    const plaintext = randomBytes(size);
    const { cek, file, manifest } = await encrypt(plaintext);
    const r = plaintextRange(CHUNK_SIZE - 7, 2 * CHUNK_SIZE + 3, size);
    const bytes = Buffer.concat(
      r.chunks.map((c) =>
        decryptChunk(
          cek,
          manifest,
          c.index,
          file.subarray(c.storedOffset, c.storedOffset + c.storedLength),
        ).subarray(c.sliceStart, c.sliceEnd),
      ),
    );
    expect(bytes.equals(plaintext.subarray(r.start, r.end + 1))).toBe(true);
  });
});
