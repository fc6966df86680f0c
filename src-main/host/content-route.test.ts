import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_SIZE, ChunkEncryptor, type Manifest } from '../../protocol/chunks';
import type { ApiHandlers } from '../core/api/handlers';
import { ContentSessions } from '../core/reader';
import { startHost, type Host } from './host';

/** The browser host's /content route: Range over the decrypting stream, behind the host's guards. */
let base: string;
let host: Host;
let sessions: ContentSessions;
let path: string;
const plaintext = randomBytes(2 * CHUNK_SIZE + 12_345);

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'outpost-content-'));
  const rendererDir = join(base, 'renderer');
  await mkdir(rendererDir, { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Outpost</title>');
  const cek = randomBytes(32);
  const materialId = randomUUID();
  const encryptor = new ChunkEncryptor({ cek, materialId, contentType: 'application/pdf' });
  const file = join(base, 'm.enc');
  await pipeline(Readable.from([plaintext]), encryptor, createWriteStream(file));
  const manifest: Manifest = encryptor.manifest;
  sessions = new ContentSessions();
  // The API is not exercised here; only the content route is.
  const handlers = { commands: {}, subscriptions: {} } as unknown as ApiHandlers;
  host = await startHost({ handlers, rendererDir, content: sessions });
  path = sessions.urlFor(sessions.open({ materialId, contentType: 'application/pdf', file, manifest, cek }));
});
afterAll(async () => {
  await host.close();
  sessions.closeAll();
  await rm(base, { recursive: true, force: true });
});

function get(target: string, headers: Record<string, string> = {}) {
  const { port } = new URL(host.origin);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: target, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('browser host content route', () => {
  it('hands out a relative URL carrying the per-run token', () => {
    expect(path).toMatch(/^\/content\/[A-Za-z0-9_-]{43}\?token=/);
    expect(path).toContain(encodeURIComponent(host.token));
  });

  it('streams ranges of the decrypted bytes, uncached', async () => {
    const start = CHUNK_SIZE - 100;
    const res = await get(path, { range: `bytes=${start}-${start + 199}`, 'sec-fetch-site': 'same-origin' });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${start}-${start + 199}/${plaintext.length}`);
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['cache-control']).toContain('no-store');
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.body.equals(plaintext.subarray(start, start + 200))).toBe(true);

    const whole = await get(path);
    expect(whole.status).toBe(200);
    expect(whole.body.equals(plaintext)).toBe(true);
    expect((await get(path, { range: `bytes=${plaintext.length + 5}-` })).status).toBe(416);
  });

  it('refuses requests without the token, from other sites or for unknown sessions', async () => {
    expect((await get(path.replace(/\?token=.*/, ''))).status).toBe(401);
    expect((await get(`${path}x`)).status).toBe(401);
    expect((await get(path, { origin: 'http://evil.test' })).status).toBe(403);
    expect((await get(path, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await get(path, { host: 'evil.test' })).status).toBe(421);
    const unknown = path.replace(/\/content\/[^?]+/, `/content/${randomBytes(32).toString('base64url')}`);
    expect((await get(unknown)).status).toBe(404);
  });
});
