import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHUNK_SIZE,
  ChunkEncryptor,
  ChunkError,
  STORED_CHUNK_SIZE,
  type Manifest,
} from '../../../protocol/chunks';
import { parseByteRange } from './byte-range';
import { ContentSessions } from './content';

/** The decrypting stream over ranges of many chunks. */
const CHUNKS = 20;
const plaintext = randomBytes((CHUNKS - 1) * CHUNK_SIZE + 4321);
let dir: string;
let file: string;
let manifest: Manifest;
const cek = randomBytes(32);
const materialId = randomUUID();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outpost-content-unit-'));
  file = join(dir, 'm.enc');
  const encryptor = new ChunkEncryptor({ cek, materialId, contentType: 'text/plain' });
  await pipeline(Readable.from([plaintext]), encryptor, createWriteStream(file));
  manifest = encryptor.manifest;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function body(reply: { body: Readable | null }): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of reply.body!) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('ContentSessions.serve', () => {
  it('streams the whole file and ranges across many chunks byte for byte', async () => {
    const sessions = new ContentSessions();
    const id = sessions.open({ materialId, contentType: 'text/plain', file, manifest, cek });
    expect(manifest.chunk_count).toBe(CHUNKS);
    expect((await body(await sessions.serve(id, null))).equals(plaintext)).toBe(true);
    const start = 3 * CHUNK_SIZE + 17;
    const end = 18 * CHUNK_SIZE + 99;
    const reply = await sessions.serve(id, `bytes=${start}-${end}`);
    expect(reply.status).toBe(206);
    expect(reply.headers['content-length']).toBe(String(end - start + 1));
    expect((await body(reply)).equals(plaintext.subarray(start, end + 1))).toBe(true);
    const head = await sessions.serve(id, 'bytes=0-9', 'HEAD');
    expect(head).toMatchObject({ status: 206, body: null });
    sessions.closeAll();
  });

  it('serves interleaved requests of one session without mixing their bytes', async () => {
    const sessions = new ContentSessions();
    const id = sessions.open({ materialId, contentType: 'text/plain', file, manifest, cek });
    const a = (await sessions.serve(id, null)).body![Symbol.asyncIterator]();
    const from = 7 * CHUNK_SIZE + 3;
    const b = (await sessions.serve(id, `bytes=${from}-`)).body![Symbol.asyncIterator]();
    const parts: [Buffer[], Buffer[]] = [[], []];
    let doneA = false;
    let doneB = false;
    while (!doneA || !doneB) {
      if (!doneA) {
        const next = await a.next();
        if (next.done) doneA = true;
        else parts[0].push(Buffer.from(next.value as Buffer));
      }
      if (!doneB) {
        const next = await b.next();
        if (next.done) doneB = true;
        else parts[1].push(Buffer.from(next.value as Buffer));
      }
    }
    expect(Buffer.concat(parts[0]).equals(plaintext)).toBe(true);
    expect(Buffer.concat(parts[1]).equals(plaintext.subarray(from))).toBe(true);
    sessions.closeAll();
  });

  it('stops a stream whose session is closed, and keeps no key', async () => {
    const sessions = new ContentSessions();
    const id = sessions.open({ materialId, contentType: 'text/plain', file, manifest, cek });
    const stream = (await sessions.serve(id, null)).body!;
    const reading = body({ body: stream });
    sessions.close(materialId);
    await expect(reading).rejects.toThrow(/closed/);
    expect((await sessions.serve(id, null)).status).toBe(404);
  });

  it('fails mid-stream on a damaged chunk, naming it', async () => {
    const damaged = join(dir, 'damaged.enc');
    await pipeline(Readable.from([await readAll(file)]), createWriteStream(damaged));
    const handle = await open(damaged, 'r+');
    await handle.write(Buffer.from([0x42]), 0, 1, 13 * STORED_CHUNK_SIZE + 5);
    await handle.close();
    const failures: ChunkError[] = [];
    const sessions = new ContentSessions();
    sessions.onChunkFailure = (_id, error) => failures.push(error);
    const id = sessions.open({ materialId, contentType: 'text/plain', file: damaged, manifest, cek });
    const error = await body(await sessions.serve(id, null)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChunkError);
    expect(error).toMatchObject({ code: 'CHUNK_DECRYPT_FAILED', index: 13 });
    expect(failures.map((f) => f.index)).toEqual([13]);
    sessions.closeAll();
  });
});

async function readAll(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

describe('parseByteRange', () => {
  it('reads the forms viewers send', () => {
    expect(parseByteRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseByteRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseByteRange('bytes=-10', 1000)).toEqual({ start: 990, end: 999 });
    expect(parseByteRange('bytes=990-5000', 1000)).toEqual({ start: 990, end: 999 });
    expect(parseByteRange('bytes=0-1, 5-6', 1000)).toEqual({ start: 0, end: 1 });
    expect(parseByteRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=5-1', 1000)).toBeNull();
    expect(parseByteRange('items=0-1', 1000)).toBeNull();
    expect(parseByteRange(undefined, 1000)).toBeNull();
  });
});
