import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptChunk, manifestHash, storedChunkRange, type Manifest } from '../../protocol/chunks';
import type {
  DownloadResponse,
  JobRecord,
  LicenceResponse,
  UploadMaterialResponse,
} from '../../protocol/http';
import { unwrapCek, verifyLicence } from '../../protocol/licence';
import { startTestServer, type TestServer } from '../testing/harness';
import {
  deviceCall,
  encryptPending,
  fakePdf,
  registerLaptop,
  seedMaterial,
  storedUploads,
  uploadMaterial,
  type Laptop,
} from '../testing/materials';
import { MATERIALS_STORES } from './blobs/types';
import { rotateKek } from './kek';

const errorCode = (res: { body: unknown }) => (res.body as { error?: { code?: string } }).error?.code;

async function fetchRange(url: string, range?: string) {
  const res = await fetch(url, range ? { headers: { range } } : {});
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

function decryptAll(cek: Uint8Array, manifest: Manifest, file: Buffer): Buffer {
  return Buffer.concat(
    manifest.chunks.map((c) => {
      const r = storedChunkRange(manifest, c.index);
      return decryptChunk(cek, manifest, c.index, file.subarray(r.offset, r.offset + r.length));
    }),
  );
}

// Every test on each store: the directory of one machine, and the table every replica shares.
describe.each(MATERIALS_STORES)('on the %s store', (store) => {
  let s: TestServer;
  let teacher: string;
  let student: string;
  let laptop: Laptop;

  beforeAll(async () => {
    s = await startTestServer({ materialsStore: store });
    teacher = (await s.user('teacher@school.test', ['teacher'])).token;
    student = (await s.user('student@school.test', ['student'])).token;
    laptop = await registerLaptop(s, student);
  });
  afterAll(async () => {
    await s?.close();
  });

  describe('upload → encryption job → licence → ranged download → decrypt', () => {
    it('gives a laptop back exactly the uploaded bytes, through its own X25519 key', async () => {
      const plaintext = fakePdf(2 * 1024 * 1024 + 12_345);
      const up = await uploadMaterial(s, teacher, plaintext, { title: 'Atlas' });
      expect(up.status, up.text).toBe(202);
      const { material, job_id } = up.body as UploadMaterialResponse;
      expect(material).toMatchObject({
        status: 'pending',
        plaintext_size: plaintext.length,
        manifest_sha256: null,
      });
      const queued = await s.call('GET', `/api/v1/offline/jobs/${job_id}`, { token: teacher });
      expect(queued.body).toMatchObject({ job_id, status: 'queued', attempts: 0 });
      // The plaintext waits in the store only until the job runs.
      expect(await storedUploads(s)).toEqual({ uploads: [material.material_id], partial: 0 });

      expect(await encryptPending(s)).toEqual({ done: 1, failed: 0 });
      const job = await s.call('GET', `/api/v1/offline/materials/${material.material_id}/job`, {
        token: teacher,
      });
      expect(job.body as JobRecord).toMatchObject({ job_id, status: 'done', attempts: 1, error: null });
      expect(await storedUploads(s)).toEqual({ uploads: [], partial: 0 });

      const grant = await s.call('POST', `/api/v1/offline/materials/${material.material_id}/grants`, {
        token: teacher,
        body: { emails: ['Student@School.test', 'later@school.test'] },
      });
      expect(grant.body).toEqual({ granted: 2 });
      const listed = await s.call('GET', '/api/v1/offline/materials', { token: student });
      expect((listed.body as { materials: unknown[] }).materials).toEqual([
        expect.objectContaining({ material_id: material.material_id, status: 'ready', chunk_count: 3 }),
      ]);
      const byDevice = await deviceCall(s, laptop, 'GET', '/api/v1/offline/materials');
      expect(byDevice.body).toEqual(listed.body);

      const path = `/api/v1/offline/materials/${material.material_id}/license`;
      const issued = await deviceCall(s, laptop, 'POST', path, { device_id: laptop.id });
      expect(issued.status, issued.text).toBe(201);
      const { licence, status } = issued.body as LicenceResponse;
      expect(status).toBe('ready');
      // Same device and material again: the same licence, not a second one.
      const again = await deviceCall(s, laptop, 'POST', path, { device_id: laptop.id });
      expect(again.status).toBe(200);
      expect((again.body as LicenceResponse).licence).toEqual(licence);

      const verified = verifyLicence(licence, {
        serverPublicKey: s.trust.deps.keys.signing.publicKey,
        deviceId: laptop.id,
      });
      expect(Date.parse(verified.expires_at) - Date.parse(verified.issued_at)).toBe(30 * 86_400_000);
      expect(verified.offline_grace_hours).toBe(72);
      const cek = await unwrapCek(verified, laptop.x25519Private);

      const dl = await deviceCall(
        s,
        laptop,
        'GET',
        `/api/v1/offline/materials/${material.material_id}/download`,
      );
      expect(dl.status, dl.text).toBe(200);
      const download = dl.body as DownloadResponse;
      expect(manifestHash(download.manifest)).toBe(verified.content.manifest_sha256);
      expect(download.url.startsWith(`${s.url}/api/v1/offline/files/`)).toBe(true);

      const whole = await fetchRange(download.url);
      expect(whole.res.status).toBe(200);
      expect(whole.res.headers.get('accept-ranges')).toBe('bytes');
      expect(whole.bytes.length).toBe(download.encrypted_size);
      expect(decryptAll(cek, download.manifest, whole.bytes).equals(plaintext)).toBe(true);

      // One chunk by Range, as a resuming downloader fetches it.
      const r = storedChunkRange(download.manifest, 2);
      const part = await fetchRange(download.url, `bytes=${r.offset}-${r.offset + r.length - 1}`);
      expect(part.res.status).toBe(206);
      expect(part.res.headers.get('content-range')).toBe(
        `bytes ${r.offset}-${r.offset + r.length - 1}/${download.encrypted_size}`,
      );
      expect(
        decryptChunk(cek, download.manifest, 2, part.bytes).equals(plaintext.subarray(2 * 1024 * 1024)),
      ).toBe(true);
      const open = await fetchRange(download.url, `bytes=${download.encrypted_size - 10}-`);
      expect(open.res.status).toBe(206);
      expect(open.bytes.equals(whole.bytes.subarray(-10))).toBe(true);
      const beyond = await fetchRange(download.url, `bytes=${download.encrypted_size}-`);
      expect(beyond.res.status).toBe(416);
      expect(beyond.res.headers.get('content-range')).toBe(`bytes */${download.encrypted_size}`);

      // The licence is active once the content was taken.
      const sync = await deviceCall(s, laptop, 'POST', '/api/v1/offline/sync', {
        licences: [{ license_id: licence.licence_id, nonce: licence.nonce }],
      });
      expect(sync.body).toMatchObject({ licences: [{ license_id: licence.licence_id, status: 'active' }] });

      // Tampered or foreign tokens are refused.
      const [payload, sig] = download.url.split('/').pop()!.split('.');
      const forged = `${s.url}/api/v1/offline/files/${payload}.${sig!.slice(0, -2)}${sig!.endsWith('AA') ? 'BA' : 'AA'}`;
      const bad = await fetch(forged);
      expect(bad.status).toBe(403);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('DOWNLOAD_URL_INVALID');

      // KEK rotation re-wraps the CEK without touching the file: a licence issued afterwards still opens it.
      const before = await s.pool.query<{ wrapped_cek: string; kek_version: number }>(
        'SELECT wrapped_cek, kek_version FROM offline_ceks WHERE material_id = $1',
        [material.material_id],
      );
      const rotated = await rotateKek(s.pool, s.trust.deps.materials.masterSecret, {
        type: 'system',
        id: 'test',
      });
      expect(rotated).toEqual({ version: before.rows[0]!.kek_version + 1, rewrapped: 1 });
      const after = await s.pool.query<{ wrapped_cek: string; kek_version: number }>(
        'SELECT wrapped_cek, kek_version FROM offline_ceks WHERE material_id = $1',
        [material.material_id],
      );
      expect(after.rows[0]!.kek_version).toBe(rotated.version);
      expect(after.rows[0]!.wrapped_cek).not.toBe(before.rows[0]!.wrapped_cek);
      const ret = await deviceCall(
        s,
        laptop,
        'POST',
        `/api/v1/offline/licenses/${licence.licence_id}/return`,
      );
      expect(ret.body).toMatchObject({ status: 'returned' });
      const fresh = await deviceCall(s, laptop, 'POST', path, { device_id: laptop.id });
      expect(fresh.status).toBe(201);
      const freshLicence = (fresh.body as LicenceResponse).licence;
      expect(freshLicence.licence_id).not.toBe(licence.licence_id);
      const cek2 = await unwrapCek(freshLicence, laptop.x25519Private);
      expect(Buffer.from(cek2).equals(Buffer.from(cek))).toBe(true);
      const dl2 = (
        await deviceCall(s, laptop, 'GET', `/api/v1/offline/materials/${material.material_id}/download`)
      ).body as DownloadResponse;
      expect(decryptAll(cek2, dl2.manifest, (await fetchRange(dl2.url)).bytes).equals(plaintext)).toBe(true);

      const audit = await s.pool.query<{ action: string }>(
        'SELECT action FROM offline_audit_logs ORDER BY id',
      );
      expect(audit.rows.map((r) => r.action)).toEqual(
        expect.arrayContaining([
          'material.uploaded',
          'material.encrypted',
          'material.granted',
          'licence.issued',
          'licence.returned',
          'kek.rotated',
        ]),
      );
    });
  });

  describe('upload checks', () => {
    it('415 for a type not accepted or bytes that are not what the type says; EPUB, PNG, text accepted', async () => {
      const cases: Array<[string, Buffer, number]> = [
        ['application/zip', Buffer.from('PK\x03\x04'), 415],
        ['application/pdf', Buffer.from('<html>not a pdf'), 415],
        ['image/png', Buffer.from('%PDF-1.4'), 415],
        ['text/plain', Buffer.from([0x66, 0xff, 0xfe]), 415],
        ['text/plain; charset=latin1', Buffer.from('hello'), 415],
        ['image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]), 202],
        [
          'application/epub+zip',
          Buffer.concat([
            Buffer.from([0x50, 0x4b, 0x03, 0x04]),
            Buffer.alloc(26),
            Buffer.from('mimetypeapplication/epub+zip'),
          ]),
          202,
        ],
        ['text/markdown; charset=utf-8', Buffer.from('# Leçon 1 — été\n'), 202],
        ['image/webp', Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 '), 202],
      ];
      for (const [type, bytes, status] of cases) {
        const res = await uploadMaterial(s, teacher, bytes, { contentType: type });
        expect(res.status, `${type}: ${res.text}`).toBe(status);
        if (status === 415) expect(errorCode(res)).toBe('UNSUPPORTED_MEDIA_TYPE');
      }
      // Refused uploads leave nothing behind.
      const stored = await storedUploads(s);
      expect(stored.partial).toBe(0);
      expect(stored.uploads).toHaveLength(4);
      await encryptPending(s);
    });

    it('413 beyond the size limit, refused before or while streaming', async () => {
      const saved = s.trust.deps.materials.maxBytes;
      s.trust.deps.materials.maxBytes = 64 * 1024;
      try {
        const res = await uploadMaterial(s, teacher, fakePdf(200 * 1024));
        expect(res.status).toBe(413);
        expect(errorCode(res)).toBe('PAYLOAD_TOO_LARGE');
        // No Content-Length: the limit is enforced as the bytes arrive.
        const body = fakePdf(200 * 1024);
        const streamed = await fetch(`${s.url}/api/v1/offline/materials?title=x`, {
          method: 'POST',
          headers: { authorization: `Bearer ${teacher}`, 'content-type': 'application/pdf' },
          body: new ReadableStream({
            start(c) {
              for (let i = 0; i < body.length; i += 16 * 1024) c.enqueue(body.subarray(i, i + 16 * 1024));
              c.close();
            },
          }),
          duplex: 'half',
        } as RequestInit).catch(() => undefined);
        if (streamed) expect(streamed.status).toBe(413);
        expect((await storedUploads(s)).partial).toBe(0);
      } finally {
        s.trust.deps.materials.maxBytes = saved;
      }
    });

    it('only teachers upload; only the owner grants or reads the job', async () => {
      expect((await uploadMaterial(s, student, fakePdf(100))).status).toBe(403);
      const other = (await s.user('other-teacher@school.test', ['teacher'])).token;
      const m = await seedMaterial(s, teacher, fakePdf(1000));
      const g = await s.call('POST', `/api/v1/offline/materials/${m.material_id}/grants`, {
        token: other,
        body: { emails: ['x@school.test'] },
      });
      expect([g.status, errorCode(g)]).toEqual([403, 'MATERIAL_ACCESS_DENIED']);
      const j = await s.call('GET', `/api/v1/offline/materials/${m.material_id}/job`, { token: other });
      expect(errorCode(j)).toBe('MATERIAL_ACCESS_DENIED');
      const missing = await s.call('GET', `/api/v1/offline/jobs/00000000-0000-4000-8000-000000000000`, {
        token: teacher,
      });
      expect([missing.status, errorCode(missing)]).toEqual([404, 'JOB_NOT_FOUND']);
      const nf = await s.call(
        'POST',
        `/api/v1/offline/materials/00000000-0000-4000-8000-000000000000/grants`,
        {
          token: teacher,
          body: { emails: ['x@school.test'] },
        },
      );
      expect([nf.status, errorCode(nf)]).toEqual([404, 'MATERIAL_NOT_FOUND']);
    });
  });

  describe('encryption job failures', () => {
    it('a job whose plaintext is gone fails for good: job failed with its error, material failed, audited', async () => {
      const up = await uploadMaterial(s, teacher, fakePdf(500));
      const { material, job_id } = up.body as UploadMaterialResponse;
      await s.trust.deps.materials.blobs.deleteUpload(material.material_id);
      expect(await encryptPending(s)).toEqual({ done: 0, failed: 1 });
      const job = await s.call('GET', `/api/v1/offline/jobs/${job_id}`, { token: teacher });
      expect(job.body).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: expect.stringContaining('ENOENT'),
      });
      const { rows } = await s.pool.query<{ status: string }>(
        'SELECT status FROM offline_materials WHERE id = $1',
        [material.material_id],
      );
      expect(rows[0]!.status).toBe('failed');
      const audit = await s.pool.query(
        "SELECT 1 FROM offline_audit_logs WHERE action = 'material.encryption_failed' AND target_id = $1",
        [material.material_id],
      );
      expect(audit.rowCount).toBe(1);
    });

    it('a running job whose lease lapsed (its worker died) is claimed again and finished', async () => {
      const up = await uploadMaterial(s, teacher, fakePdf(800));
      const { material, job_id } = up.body as UploadMaterialResponse;
      await s.pool.query(
        `UPDATE offline_encryption_jobs SET status = 'running', attempts = 1, locked_by = 'dead-worker',
         locked_until = now() - interval '1 second' WHERE id = $1`,
        [job_id],
      );
      expect(await encryptPending(s)).toEqual({ done: 1, failed: 0 });
      const job = await s.call('GET', `/api/v1/offline/materials/${material.material_id}/job`, {
        token: teacher,
      });
      expect(job.body).toMatchObject({ status: 'done', attempts: 2 });
    });
  });
});
