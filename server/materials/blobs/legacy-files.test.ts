import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../test/pg/database';
import { decryptChunk, storedChunkRange } from '../../../protocol/chunks';
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
} from '../../testing/materials';
import { capturingLogger } from '../../testing/harness';
import { encryptedPath, uploadPath } from '../storage';
import { moveFilesIntoTable } from './move-files';

const servers: TestServer[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('a server upgraded from files to the database store', () => {
  it('keeps serving what it encrypted before, and encrypts the uploads it had queued', async () => {
    const dbUrl = await freshDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'outpost-legacy-materials-'));
    dirs.push(dir);
    const before = await startTestServer({ dbUrl, materialsStore: 'directory', materialsDir: dir });
    servers.push(before);
    const teacher = (await before.user('teacher@upgrade.test', ['teacher'])).token;
    const student = (await before.user('student@upgrade.test', ['student'])).token;
    const laptop = await registerLaptop(before, student);
    const oldBytes = fakePdf(700_000);
    const old = await seedMaterial(before, teacher, oldBytes, { grantTo: ['student@upgrade.test'] });
    const queuedBytes = fakePdf(300_000);
    const queued = ((await uploadMaterial(before, teacher, queuedBytes)).body as UploadMaterialResponse)
      .material;
    const oldFile = await readFile(encryptedPath(dir, old.material_id));
    await before.close();
    servers.pop();

    const after = await startTestServer({ dbUrl, materialsStore: 'database', materialsDir: dir });
    servers.push(after);
    const licence = await takeLicence(after, laptop, old.material_id);
    const cek = await unwrapCek(
      verifyLicence(licence, {
        serverPublicKey: after.trust.deps.keys.signing.publicKey,
        deviceId: laptop.id,
      }),
      laptop.x25519Private,
    );
    const dl = (
      await deviceCall(after, laptop, 'GET', `/api/v1/offline/materials/${old.material_id}/download`)
    ).body as DownloadResponse;
    const whole = Buffer.from(await (await fetch(dl.url)).arrayBuffer());
    expect(whole.equals(oldFile)).toBe(true);
    const r = storedChunkRange(dl.manifest, 0);
    const ranged = await fetch(dl.url, {
      headers: { range: `bytes=${r.offset}-${r.offset + r.length - 1}` },
    });
    expect(ranged.status).toBe(206);
    const first = decryptChunk(cek, dl.manifest, 0, Buffer.from(await ranged.arrayBuffer()));
    expect(first.equals(oldBytes.subarray(0, first.length))).toBe(true);

    // The upload queued before the upgrade is read from its file, published into the table, and
    // its plaintext file removed.
    expect(await encryptPending(after)).toEqual({ done: 1, failed: 0 });
    await expect(access(uploadPath(dir, queued.material_id))).rejects.toMatchObject({ code: 'ENOENT' });
    const { rows } = await after.pool.query<{ kind: string }>(
      'SELECT DISTINCT kind FROM offline_material_chunks WHERE material_id = $1',
      [queued.material_id],
    );
    expect(rows).toEqual([{ kind: 'encrypted' }]);
  });

  it('moves those files into the table once, leaving what a running job still reads', async () => {
    const dbUrl = await freshDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'outpost-move-materials-'));
    dirs.push(dir);
    const before = await startTestServer({ dbUrl, materialsStore: 'directory', materialsDir: dir });
    servers.push(before);
    const teacher = (await before.user('teacher@move.test', ['teacher'])).token;
    const ready = await seedMaterial(before, teacher, fakePdf(600_000));
    const queued = ((await uploadMaterial(before, teacher, fakePdf(200_000))).body as UploadMaterialResponse)
      .material;
    const running = ((await uploadMaterial(before, teacher, fakePdf(200_000))).body as UploadMaterialResponse)
      .material;
    await before.pool.query(
      `UPDATE offline_encryption_jobs SET status = 'running', locked_by = 'busy', locked_until = now() + interval '1 hour'
        WHERE material_id = $1`,
      [running.material_id],
    );
    const readyFile = await readFile(encryptedPath(dir, ready.material_id));
    const queuedFile = await readFile(uploadPath(dir, queued.material_id));
    await before.close();
    servers.pop();

    const after = await startTestServer({ dbUrl, materialsStore: 'database', materialsDir: dir });
    servers.push(after);
    const { logger } = capturingLogger();
    expect(await moveFilesIntoTable(after.pool, dir, logger)).toEqual({ encrypted: 1, uploads: 1 });
    const blobs = after.trust.deps.materials.blobs;
    const object = (id: string, kind: string) =>
      after.pool
        .query<{ data: Buffer }>(
          'SELECT data FROM offline_material_chunks WHERE material_id = $1 AND kind = $2 ORDER BY n',
          [id, kind],
        )
        .then((r) => Buffer.concat(r.rows.map((row) => row.data)));
    expect((await object(ready.material_id, 'encrypted')).equals(readyFile)).toBe(true);
    expect((await object(queued.material_id, 'upload')).equals(queuedFile)).toBe(true);
    await expect(access(encryptedPath(dir, ready.material_id))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(access(uploadPath(dir, queued.material_id))).rejects.toMatchObject({ code: 'ENOENT' });
    // The running job's worker may be reading its file: it stays, and nothing is copied for it.
    await access(uploadPath(dir, running.material_id));
    expect((await object(running.material_id, 'upload')).length).toBe(0);
    expect(await blobs.encryptedSize(ready.material_id)).toBe(readyFile.length);
    // Once is enough: a second run finds nothing more it may move.
    expect(await moveFilesIntoTable(after.pool, dir, logger)).toEqual({ encrypted: 0, uploads: 0 });
    expect(await encryptPending(after)).toEqual({ done: 1, failed: 0 });
  });
});
