import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DownloadResponse } from '../../protocol/http';
import { startTestServer, type TestServer } from '../testing/harness';
import { deviceCall, fakePdf, registerLaptop, seedMaterial } from '../testing/materials';

/**
 * Attack (issue #16): a download URL's token is a bearer credential for 15 minutes. Whoever reads
 * the server's logs (a log shipper, a support engineer) must not be able to take it from there.
 */

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
});

describe('request logs', () => {
  it('carry the route pattern, never a download token from the path or the query string', async () => {
    const teacher = (await s.user('teacher@logs.test', ['teacher'])).token;
    const student = (await s.user('student@logs.test', ['student'])).token;
    const laptop = await registerLaptop(s, student);
    const material = await seedMaterial(s, teacher, fakePdf(4096), { grantTo: ['student@logs.test'] });
    const licence = await deviceCall(
      s,
      laptop,
      'POST',
      `/api/v1/offline/materials/${material.material_id}/license`,
      {
        device_id: laptop.id,
      },
    );
    expect(licence.status, licence.text).toBe(201);
    const dl = await deviceCall(
      s,
      laptop,
      'GET',
      `/api/v1/offline/materials/${material.material_id}/download`,
    );
    expect(dl.status, dl.text).toBe(200);
    const { url } = dl.body as DownloadResponse;
    const token = decodeURIComponent(new URL(url).pathname.split('/').pop()!);
    const before = s.logs.length;

    // A good download, a refused one (token tampered) and the token in a query string.
    expect((await fetch(url)).status).toBe(200);
    const dot = url.lastIndexOf('.') + 1;
    const tampered = `${url.slice(0, dot)}${url[dot] === 'A' ? 'B' : 'A'}${url.slice(dot + 1)}`;
    expect((await fetch(tampered)).status).toBe(403);
    expect((await fetch(`${s.url}/api/v1/offline/materials?download=${token}`)).status).toBe(401);

    const lines = s.logs.slice(before).join('');
    expect(lines).not.toContain(token.split('.')[0]);
    expect(lines).toContain('"route":"/api/v1/offline/files/:token"');
    expect(lines).toContain('"route":"/api/v1/offline/materials"');
  });
});
