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
import { encryptedPath, uploadPath } from '../storage';

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
});
