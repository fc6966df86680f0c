import { createPublicKey, randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createAccount,
  createAdmin,
  runWorkerOnce,
  startServer,
  tempDir,
  type Running,
} from '../../e2e/processes';
import { decryptChunk, storedChunkRange, type Manifest } from '../../protocol/chunks';
import type { DownloadResponse, ServerPublicKeys, UploadMaterialResponse } from '../../protocol/http';
import { unwrapCek, verifyLicence } from '../../protocol/licence';
import { httpCaller, type TestServer } from '../../server/testing/harness';
import { deviceCall, fakePdf, registerLaptop, takeLicence } from '../../server/testing/materials';
import { freshDatabase } from '../pg/database';

/**
 * Issue #23 item 2: materials live where every replica reaches them. A teacher's upload reaches
 * server process A, a worker process encrypts it, and a student downloads it through server process
 * B; each process has a data directory of its own, empty of materials, and only DATABASE_URL and
 * OUTPOST_MASTER_SECRET in common, as on separate machines.
 */
const running: Running[] = [];
const dirs: string[] = [];
const savedSecret = process.env.OUTPOST_MASTER_SECRET;
let pool: pg.Pool | undefined;
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  await pool?.end();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  if (savedSecret === undefined) delete process.env.OUTPOST_MASTER_SECRET;
  else process.env.OUTPOST_MASTER_SECRET = savedSecret;
});

/** The test helpers' call, against a process's URL. */
function client(server: Running): Pick<TestServer, 'call'> {
  return { call: httpCaller(server.url) };
}

async function signIn(server: Running, roles: string) {
  const { email, password } = await createAccount(server, roles);
  const res = await client(server).call('POST', '/auth/sign-in', { body: { email, password } });
  expect(res.status, res.text).toBe(200);
  return { email, token: (res.body as { access_token: string }).access_token };
}

async function materialFiles(dataDir: string): Promise<string[]> {
  return readdir(join(dataDir, 'materials'), { recursive: true }).catch(() => []);
}

describe('server A, a worker and server B, each on its own data directory', () => {
  it(
    'upload on A, encryption in the worker, download on B: the worker’s bytes, opened by the licence',
    { timeout: 240_000 },
    async () => {
      // Shared by every process, as a secret store would give it on separate machines.
      process.env.OUTPOST_MASTER_SECRET = randomBytes(32).toString('base64');
      const databaseUrl = await freshDatabase();
      const [dirA, dirB, dirWorker] = await Promise.all(
        ['a', 'b', 'worker'].map((n) => tempDir(`replica-${n}`)),
      );
      dirs.push(dirA!, dirB!, dirWorker!);
      const a = await startServer({ DATABASE_URL: databaseUrl, OUTPOST_DATA_DIR: dirA });
      running.push(a);
      const b = await startServer({ DATABASE_URL: databaseUrl, OUTPOST_DATA_DIR: dirB });
      running.push(b);

      const teacher = await createAdmin(a, 'teacher');
      const student = await signIn(b, 'student');
      const plaintext = fakePdf(3 * 1024 * 1024 + 4321);
      const up = await fetch(`${a.url}/api/v1/offline/materials?title=Replicas`, {
        method: 'POST',
        headers: { authorization: `Bearer ${teacher}`, 'content-type': 'application/pdf' },
        body: plaintext,
      });
      expect(up.status).toBe(202);
      const { material, job_id } = (await up.json()) as UploadMaterialResponse;
      const granted = await client(a).call(
        'POST',
        `/api/v1/offline/materials/${material.material_id}/grants`,
        {
          token: teacher,
          body: { emails: [student.email] },
        },
      );
      expect(granted.status, granted.text).toBe(200);

      await runWorkerOnce({ ...a, dataDir: dirWorker });
      const job = await client(b).call('GET', `/api/v1/offline/jobs/${job_id}`, { token: teacher });
      expect(job.body).toMatchObject({ status: 'done' });

      // What the worker published, read from the database itself.
      pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
      const { rows } = await pool.query<{ data: Buffer }>(
        `SELECT data FROM offline_material_chunks WHERE material_id = $1 AND kind = 'encrypted' ORDER BY n`,
        [material.material_id],
      );
      const encrypted = Buffer.concat(rows.map((r) => r.data));
      expect(encrypted.length).toBeGreaterThan(plaintext.length);

      const b2 = client(b);
      const laptop = await registerLaptop(b2, student.token);
      const licence = await takeLicence(b2, laptop, material.material_id);
      const verified = verifyLicence(licence, {
        serverPublicKey: await serverKey(b),
        deviceId: laptop.id,
      });
      const cek = await unwrapCek(verified, laptop.x25519Private);
      const dl = await deviceCall(
        b2,
        laptop,
        'GET',
        `/api/v1/offline/materials/${material.material_id}/download`,
      );
      expect(dl.status, dl.text).toBe(200);
      const { url, manifest } = dl.body as DownloadResponse;
      expect(url.startsWith(b.url)).toBe(true);

      const whole = Buffer.from(await (await fetch(url)).arrayBuffer());
      expect(whole.equals(encrypted)).toBe(true);
      expect(decryptAll(cek, manifest, whole).equals(plaintext)).toBe(true);
      const r = storedChunkRange(manifest, 1);
      const ranged = await fetch(url, { headers: { range: `bytes=${r.offset}-${r.offset + r.length - 1}` } });
      expect(ranged.status).toBe(206);
      const part = Buffer.from(await ranged.arrayBuffer());
      expect(part.equals(encrypted.subarray(r.offset, r.offset + r.length))).toBe(true);
      expect(
        decryptChunk(cek, manifest, 1, part).equals(plaintext.subarray(1024 * 1024, 2 * 1024 * 1024)),
      ).toBe(true);

      // No process kept a material on its own disk.
      for (const dir of [dirA!, dirB!, dirWorker!]) expect(await materialFiles(dir)).toEqual([]);
    },
  );
});

/** Server B's licence key, as a laptop pins it (GET /api/v1/offline/server-keys). */
async function serverKey(server: Running) {
  const res = await fetch(`${server.url}/api/v1/offline/server-keys`);
  return createPublicKey(((await res.json()) as ServerPublicKeys).signing_public_key_pem);
}

function decryptAll(cek: Uint8Array, manifest: Manifest, file: Buffer): Buffer {
  return Buffer.concat(
    manifest.chunks.map((c) => {
      const r = storedChunkRange(manifest, c.index);
      return decryptChunk(cek, manifest, c.index, file.subarray(r.offset, r.offset + r.length));
    }),
  );
}
