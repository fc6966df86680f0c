import { randomBytes, randomUUID } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptChunk, storedChunkRange, type Manifest } from '../../../protocol/chunks';
import type { DownloadResponse, UploadMaterialResponse } from '../../../protocol/http';
import { unwrapCek, verifyLicence } from '../../../protocol/licence';
import { startTestServer, type TestServer } from '../../testing/harness';
import {
  deviceCall,
  encryptPending,
  fakePdf,
  registerLaptop,
  seedMaterial,
  takeLicence,
  uploadMaterial,
  type Laptop,
} from '../../testing/materials';
import { signDownloadToken } from '../download-token';
import { claimJob, runJob } from '../encryption-job';
import { CHUNK_BYTES, databaseBlobs } from './database';
import { directoryBlobs } from './directory';
import { ABANDONED_AFTER_HOURS } from './sweep';

/**
 * The database store on real PostgreSQL, attacked where its promises are: only a published
 * encrypted object is served, only the lease holder publishes, the plaintext leaves the table once
 * published (and stays for a dead letter), and a download never carries plaintext.
 */
let s: TestServer;
let teacher: string;
let student: { token: string; email: string };
let laptop: Laptop;

beforeAll(async () => {
  s = await startTestServer({ materialsStore: 'database' });
  teacher = (await s.user('teacher@blobs.test', ['teacher'])).token;
  student = { token: (await s.user('student@blobs.test', ['student'])).token, email: 'student@blobs.test' };
  laptop = await registerLaptop(s, student.token);
});
afterAll(async () => {
  await s?.close();
});

const blobs = () => s.trust.deps.materials.blobs;
const errorCode = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

async function kinds(materialId: string): Promise<string[]> {
  const { rows } = await s.pool.query<{ kind: string }>(
    'SELECT DISTINCT kind FROM offline_material_chunks WHERE material_id = $1 ORDER BY kind',
    [materialId],
  );
  return rows.map((r) => r.kind);
}

async function download(materialId: string): Promise<{ url: string; manifest: Manifest; size: number }> {
  const res = await deviceCall(s, laptop, 'GET', `/api/v1/offline/materials/${materialId}/download`);
  expect(res.status, res.text).toBe(200);
  const body = res.body as DownloadResponse;
  return { url: body.url, manifest: body.manifest, size: body.encrypted_size };
}

async function fetchBytes(url: string, range?: string): Promise<{ status: number; bytes: Buffer }> {
  const res = await fetch(url, range ? { headers: { range } } : {});
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

async function published(materialId: string): Promise<Buffer> {
  const size = await blobs().encryptedSize(materialId);
  return buffer(await blobs().openEncrypted(materialId, { start: 0, end: size! - 1 }));
}

describe('the chunked table', () => {
  it('reads back any range across chunk boundaries exactly as the directory store does', async () => {
    const dir = directoryBlobs(s.trust.deps.materials.dir);
    const db = databaseBlobs(s.pool);
    const bytes = randomBytes(2 * CHUNK_BYTES + CHUNK_BYTES / 2 + 7);
    const id = randomUUID();
    for (const store of [db, dir]) {
      const staged = await store.stageEncrypted(id, 1);
      // Written in pieces that do not line up with chunks.
      await pipeline(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), staged.stream);
      await staged.commit(s.pool);
      expect(await store.encryptedSize(id)).toBe(bytes.length);
    }
    const last = bytes.length - 1;
    const ranges = [
      [0, last],
      [0, 0],
      [CHUNK_BYTES - 1, CHUNK_BYTES],
      [CHUNK_BYTES, 2 * CHUNK_BYTES - 1],
      [5, 2 * CHUNK_BYTES + 3],
      [last, last],
    ] as const;
    for (const [start, end] of ranges)
      for (const store of [db, dir])
        expect(
          (await buffer(await store.openEncrypted(id, { start, end }))).equals(
            bytes.subarray(start, end + 1),
          ),
          `${store.store} ${start}-${end}`,
        ).toBe(true);
    const { rows } = await s.pool.query<{ n: number; len: number }>(
      'SELECT n, octet_length(data) AS len FROM offline_material_chunks WHERE material_id = $1 ORDER BY n',
      [id],
    );
    expect(rows).toEqual([
      { n: 0, len: CHUNK_BYTES },
      { n: 1, len: CHUNK_BYTES },
      { n: 2, len: CHUNK_BYTES / 2 + 7 },
    ]);
  });

  it('a missing upload is ENOENT, which fails the job for good as a missing file did', async () => {
    await expect(databaseBlobs(s.pool).openUpload(randomUUID())).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('attacks on the database store', () => {
  it('an unpublished or half-written encrypted object is never served', async () => {
    // A material being encrypted: its staged object is whole but not published.
    const up = await uploadMaterial(s, teacher, fakePdf(300_000), { title: 'Unpublished' });
    const { material } = up.body as UploadMaterialResponse;
    await s.call('POST', `/api/v1/offline/materials/${material.material_id}/grants`, {
      token: teacher,
      body: { emails: [student.email] },
    });
    const job = (await claimJob(s.pool, 'worker-a'))!;
    const seen: { code?: string; file: number }[] = [];
    const outcome = await runJob(s.pool, s.trust.deps.materials, job, 'worker-a', undefined, undefined, {
      beforePublish: async () => {
        expect(await kinds(material.material_id)).toEqual([`staged-${job.attempts}`, 'upload']);
        const res = await deviceCall(
          s,
          laptop,
          'GET',
          `/api/v1/offline/materials/${material.material_id}/download`,
        );
        // A URL signed by the server's own key, as if one had been made: still refused.
        const token = signDownloadToken(s.trust.deps.materials.urlKey, {
          materialId: material.material_id,
          deviceId: laptop.id,
          expiresAt: new Date(Date.now() + 60_000),
        });
        const file = await fetch(`${s.url}/api/v1/offline/files/${token}`);
        seen.push({ code: errorCode(res.body), file: file.status });
        expect(res.status).toBe(409);
      },
    });
    expect(outcome).toMatchObject({ done: true });
    expect(seen).toEqual([{ code: 'MATERIAL_NOT_READY', file: 403 }]);

    // A ready material with a half-written staged object beside it (a retry that died mid-way):
    // the download serves the published object, byte for byte.
    await takeLicence(s, laptop, material.material_id);
    const before = await published(material.material_id);
    const staged = await blobs().stageEncrypted(material.material_id, 99);
    staged.stream.write(randomBytes(CHUNK_BYTES + 10));
    await new Promise((resolve) => staged.stream.write(Buffer.alloc(0), resolve));
    expect(await kinds(material.material_id)).toEqual(['encrypted', 'staged-99']);
    const dl = await download(material.material_id);
    const whole = await fetchBytes(dl.url);
    expect(whole.status).toBe(200);
    expect(whole.bytes.equals(before)).toBe(true);
    const head = await fetchBytes(dl.url, 'bytes=0-99');
    expect(head.bytes.equals(before.subarray(0, 100))).toBe(true);
    staged.stream.destroy();
    await staged.abort();
    expect(await kinds(material.material_id)).toEqual(['encrypted']);
  });

  it('a worker whose lease lapsed cannot publish over the new holder’s object', async () => {
    const plaintext = fakePdf(600_000);
    const up = await uploadMaterial(s, teacher, plaintext, { title: 'Lease' });
    const { material, job_id } = up.body as UploadMaterialResponse;
    await s.call('POST', `/api/v1/offline/materials/${material.material_id}/grants`, {
      token: teacher,
      body: { emails: [student.email] },
    });
    const stale = (await claimJob(s.pool, 'worker-stale'))!;
    expect(stale.id).toBe(job_id);
    let fresh: Awaited<ReturnType<typeof runJob>> | undefined;
    let freshObject: Buffer | undefined;
    const lost = await runJob(s.pool, s.trust.deps.materials, stale, 'worker-stale', undefined, undefined, {
      // worker-stale has encrypted but stalls: its lease lapses, worker-new takes the job and finishes.
      beforePublish: async () => {
        await s.pool.query(
          `UPDATE offline_encryption_jobs SET locked_until = now() - interval '1 second' WHERE id = $1`,
          [job_id],
        );
        const next = (await claimJob(s.pool, 'worker-new'))!;
        expect(next.id).toBe(job_id);
        fresh = await runJob(s.pool, s.trust.deps.materials, next, 'worker-new');
        freshObject = await published(material.material_id);
      },
    });
    expect(fresh).toMatchObject({ done: true });
    expect(lost).toMatchObject({ done: false, error: 'lease lost', final: false });
    // Only the new holder's object is there, and its licence opens what is served.
    expect(await kinds(material.material_id)).toEqual(['encrypted']);
    expect((await published(material.material_id)).equals(freshObject!)).toBe(true);
    const audit = await s.pool.query(
      "SELECT actor_id FROM offline_audit_logs WHERE action = 'material.encrypted' AND target_id = $1",
      [material.material_id],
    );
    expect(audit.rows).toEqual([{ actor_id: 'worker-new' }]);
    const licence = await takeLicence(s, laptop, material.material_id);
    const cek = await unwrapCek(
      verifyLicence(licence, { serverPublicKey: s.trust.deps.keys.signing.publicKey, deviceId: laptop.id }),
      laptop.x25519Private,
    );
    const dl = await download(material.material_id);
    const file = (await fetchBytes(dl.url)).bytes;
    const opened = Buffer.concat(
      dl.manifest.chunks.map((c) => {
        const r = storedChunkRange(dl.manifest, c.index);
        return decryptChunk(cek, dl.manifest, c.index, file.subarray(r.offset, r.offset + r.length));
      }),
    );
    expect(file.equals(freshObject!)).toBe(true);
    expect(opened.equals(plaintext)).toBe(true);
  });

  it('the plaintext leaves the table once published, and stays while the job is a dead letter', async () => {
    const done = await seedMaterial(s, teacher, fakePdf(400_000));
    expect(await kinds(done.material_id)).toEqual(['encrypted']);

    const up = await uploadMaterial(s, teacher, fakePdf(400_000), { title: 'Dead letter' });
    const { material, job_id } = up.body as UploadMaterialResponse;
    await s.pool.query('UPDATE offline_encryption_jobs SET max_attempts = 1 WHERE id = $1', [job_id]);
    const job = (await claimJob(s.pool, 'worker-x'))!;
    const outcome = await runJob(s.pool, s.trust.deps.materials, job, 'worker-x', undefined, undefined, {
      beforePublish: () => Promise.reject(new Error('the disk filled up')),
    });
    expect(outcome).toMatchObject({ done: false, final: true });
    // Failed for good: the operator may retry it (docs/operations.md "Dead letters"), so the
    // plaintext stays; the attempt's staged object does not.
    expect(await kinds(material.material_id)).toEqual(['upload']);
    expect(await encryptPending(s)).toEqual({ done: 0, failed: 0 });
  });

  it('hostile Range headers and HEAD answer 200, 206 or 416 with the right bytes, never a 5xx; B stays closed to A’s licence', async () => {
    const a = await seedMaterial(s, teacher, fakePdf(CHUNK_BYTES + 4321), { grantTo: [student.email] });
    const b = await seedMaterial(s, teacher, fakePdf(5000), { grantTo: [student.email] });
    await takeLicence(s, laptop, a.material_id);
    const dl = await download(a.material_id);
    const whole = await published(a.material_id);
    const size = whole.length;
    const cases: [string, number, [number, number]?][] = [
      ['bytes=5-3', 200],
      ['bytes=0-0,5-9', 200],
      ['bytes=--1', 200],
      ['bytes=0x10-', 200],
      ['items=0-5', 200],
      [`bytes=${'9'.repeat(400)}-`, 200],
      [`bytes=${size - 1}-${'9'.repeat(30)}`, 200],
      ['bytes=-0', 416],
      [`bytes=${size}-${size + 10}`, 416],
      [`bytes=-${'9'.repeat(30)}`, 206, [0, size - 1]],
      [`bytes=${CHUNK_BYTES - 1}-${CHUNK_BYTES}`, 206, [CHUNK_BYTES - 1, CHUNK_BYTES]],
      [`bytes=${size - 1}-`, 206, [size - 1, size - 1]],
    ];
    for (const [range, status, slice] of cases) {
      const got = await fetchBytes(dl.url, range);
      expect(got.status, range).toBe(status);
      if (status === 200) expect(got.bytes.equals(whole), range).toBe(true);
      if (slice) expect(got.bytes.equals(whole.subarray(slice[0], slice[1] + 1)), range).toBe(true);
    }
    const head = await fetch(dl.url, { method: 'HEAD', headers: { range: 'bytes=10-19' } });
    expect([head.status, head.headers.get('content-range'), (await head.arrayBuffer()).byteLength]).toEqual([
      206,
      `bytes 10-19/${size}`,
      0,
    ]);
    // A licence for A opens nothing of B: no download URL is made for B without B's own licence.
    const other = await deviceCall(s, laptop, 'GET', `/api/v1/offline/materials/${b.material_id}/download`);
    expect(other.status, other.text).toBeGreaterThanOrEqual(400);
    expect(other.status, other.text).toBeLessThan(500);
  });

  it('a download never returns plaintext, whole or by range', async () => {
    const plaintext = fakePdf(3 * CHUNK_BYTES + 999);
    const m = await seedMaterial(s, teacher, plaintext, { grantTo: [student.email] });
    await takeLicence(s, laptop, m.material_id);
    const dl = await download(m.material_id);
    const whole = await fetchBytes(dl.url);
    expect(whole.bytes.length).toBe(dl.size);
    const mid = await fetchBytes(dl.url, `bytes=${CHUNK_BYTES - 50}-${2 * CHUNK_BYTES + 50}`);
    expect(mid.status).toBe(206);
    for (const served of [whole.bytes, mid.bytes])
      for (let at = 9; at + 64 <= plaintext.length; at += 16 * 1024)
        expect(served.indexOf(plaintext.subarray(at, at + 64))).toBe(-1);
  });

  it('an upload cut off while a chunk is being inserted leaves no plaintext behind', async () => {
    const id = randomUUID();
    const insertsOfChunks = (waiting: boolean) =>
      s.pool
        .query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()
             AND state = 'active' AND query LIKE 'INSERT INTO offline_material_chunks%'
             AND ($1::boolean IS FALSE OR wait_event_type = 'Lock')`,
          [waiting],
        )
        .then((r) => r.rows[0]!.n);
    // An uncommitted row under chunk 0's key holds the upload's first insert until it ends.
    const blocker = await s.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(
        `INSERT INTO offline_material_chunks (material_id, kind, n, data) VALUES ($1, 'receiving', 0, '\\x00')`,
        [id],
      );
      // The store's queries, watched: an abort that deletes at once is let finish before the held
      // insert goes on, which is the order a real cut-off upload can take.
      let deleting: Promise<unknown> | undefined;
      const watched = new Proxy(s.pool, {
        get(pool, prop) {
          if (prop !== 'query') return Reflect.get(pool, prop, pool) as unknown;
          return (...args: unknown[]) => {
            const query = (pool.query as (...a: unknown[]) => Promise<unknown>)(...args);
            if (String(args[0]).startsWith('DELETE')) deleting = query;
            return query;
          };
        },
      });
      const pending = await databaseBlobs(watched).receiveUpload(id);
      pending.stream.on('error', () => undefined);
      pending.stream.write(randomBytes(CHUNK_BYTES + 10));
      await expect.poll(() => insertsOfChunks(true)).toBe(1);
      // The teacher's connection drops (receiveUpload's pipeline destroys the writer, then aborts).
      pending.stream.destroy(new Error('client went away'));
      const aborted = pending.abort();
      await deleting;
      await blocker.query('ROLLBACK');
      await aborted;
      await expect.poll(() => insertsOfChunks(false)).toBe(0);
      expect(await kinds(id)).toEqual([]);
    } finally {
      blocker.release();
    }
  });

  it('what a killed server or worker left half-written is swept, what a live one writes is not', async () => {
    const dead = randomUUID();
    const live = randomUUID();
    const working = await uploadMaterial(s, teacher, fakePdf(1000), { title: 'Being encrypted' });
    const busy = (working.body as UploadMaterialResponse).material.material_id;
    // An upload whose job is done (its deleteUpload failed after publishing) and a dead letter's.
    const uploaded = async (title: string) => {
      const up = await uploadMaterial(s, teacher, fakePdf(1000), { title });
      return (up.body as UploadMaterialResponse).material.material_id;
    };
    const finished = await uploaded('Encrypted, plaintext left');
    const lettered = await uploaded('Dead letter');
    await s.pool.query(
      `UPDATE offline_encryption_jobs SET status = CASE WHEN material_id = $1 THEN 'done' ELSE 'failed' END
        WHERE material_id = ANY($2::uuid[])`,
      [finished, [finished, lettered]],
    );
    await s.pool.query(
      `UPDATE offline_encryption_jobs SET status = 'running', locked_by = 'alive', locked_until = now() + interval '5 minutes'
        WHERE material_id = $1`,
      [busy],
    );
    const old = `now() - make_interval(hours => ${ABANDONED_AFTER_HOURS + 1})`;
    await s.pool.query(
      `INSERT INTO offline_material_chunks (material_id, kind, n, data, created_at) VALUES
         ($1, 'receiving', 0, '\\x01', ${old}), ($1, 'staged-3', 0, '\\x01', ${old}),
         ($2, 'receiving', 0, '\\x01', now()), ($3, 'staged-2', 0, '\\x01', ${old}),
         ($1, 'upload', 0, '\\x01', ${old}), ($1, 'encrypted', 0, '\\x01', ${old})`,
      [dead, live, busy],
    );
    await s.pool.query(
      `UPDATE offline_material_chunks SET created_at = ${old} WHERE material_id = ANY($1::uuid[])`,
      [[finished, lettered]],
    );
    // An idle pass of the encryption worker sweeps.
    expect(await encryptPending(s)).toEqual({ done: 0, failed: 0 });
    const left = await s.pool.query<{ material_id: string; kind: string }>(
      `SELECT material_id, kind FROM offline_material_chunks WHERE material_id = ANY($1::uuid[]) ORDER BY 1, 2`,
      [[dead, live, busy, finished, lettered]],
    );
    const name = {
      [dead]: 'dead',
      [live]: 'live',
      [busy]: 'busy',
      [finished]: 'finished',
      [lettered]: 'lettered',
    };
    // A plaintext upload no job will read (its material row never inserted: the server was killed
    // between storing the upload and inserting it; or its job done) goes; a dead letter's stays.
    expect(left.rows.map((r) => `${name[r.material_id]} ${r.kind}`).sort()).toEqual([
      'busy staged-2',
      'busy upload',
      'dead encrypted',
      'lettered upload',
      'live receiving',
    ]);
    await s.pool.query(
      `UPDATE offline_encryption_jobs SET status = 'done', locked_by = NULL WHERE material_id = $1`,
      [busy],
    );
  });
});
