import { randomUUID } from 'node:crypto';
import { mkdtemp, open, readdir, readFile, rm, stat, copyFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import type { LibraryItem, LibraryView, OpenedMaterial } from '../../protocol/api/library';
import { ApiError } from '../../protocol/api';
import { CHUNK_SIZE, STORED_CHUNK_SIZE } from '../../protocol/chunks';
import type { MaterialRecord } from '../../protocol/http';
import { PASSWORD, startTestServer, type TestServer } from '../../server/testing/harness';
import { seedMaterial } from '../../server/testing/materials';
import { callCommand } from '../../src-main/core/api/dispatch';
import { ENROLLMENT_SETTING, NOT_ENROLLED } from '../../src-main/core/device/enrollment-store';
import { createCore, type Core } from '../../src-main/core/index';
import { openAppDatabase } from '../../src-main/core/store/database';
import { seedEnrollmentRecord } from '../support/seed-enrollment';

/**
 * The Library through the real core (OS keychain, encrypted store) against the real server on
 * PostgreSQL: licences, chunked download with pause/resume, opening, Range streaming, tampering,
 * another device's profile, the secure clock and revocation at the next sync.
 */
const HOUR = 3_600_000;
let session: SecretServiceSession;
let server: TestServer;
let teacherToken: string;
const studentEmail = `student-${randomUUID()}@school.test`;
let atlas: MaterialRecord;
let leaflet: MaterialRecord;

/** Distinctive runs the data directory scan looks for. */
const MARKER = 'OUTPOST-PLAINTEXT-MARKER';
const plaintext = (() => {
  const lines: string[] = ['%PDF-1.7\n'];
  let size = 9;
  for (let i = 0; size < 2 * CHUNK_SIZE + 300_000; i++) {
    const line = `${MARKER}-${String(i).padStart(8, '0')} the quick brown fox reads offline\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join(''));
})();

interface Device {
  dataDir: string;
  service: string;
  clockOffset: { ms: number };
  core: Core;
}
const devices: Device[] = [];

async function startCore(d: Omit<Device, 'core'>): Promise<Core> {
  return createCore({
    dataDir: d.dataDir,
    appVersion: '0.0.0-test',
    platform: 'linux',
    defaultServerUrl: server.url,
    keyStore: new KeytarKeyStore({ service: d.service }),
    reachabilityIntervalMs: 60_000,
    clock: () => Date.now() + d.clockOffset.ms,
  });
}

/**
 * A laptop with its own data directory and keychain identity, registered to the student. Without
 * `presetKey` it learns the server's signing key on first contact (GET /api/v1/offline/server-keys).
 */
async function newDevice(presetKey = false): Promise<Device> {
  const dataDir = await mkdtemp(join(tmpdir(), 'outpost-reader-'));
  // The server key a POS enrollment would have brought; registration keeps it.
  const partial = { dataDir, service: `outpost-test-${randomUUID()}`, clockOffset: { ms: 0 } };
  if (presetKey)
    await seedEnrollmentRecord(dataDir, new KeytarKeyStore({ service: partial.service }), {
      ...NOT_ENROLLED,
      server: {
        signingPublicKeyPem: server.trust.deps.keys.signing.publicKeyPem,
        hpkePublicKey: server.trust.deps.keys.hpke.publicKeyRaw,
      },
    });
  const device: Device = { ...partial, core: await startCore(partial) };
  devices.push(device);
  await call(device, 'enrollment.registerLaptop', {
    email: studentEmail,
    password: PASSWORD,
    name: `Laptop ${devices.length}`,
  });
  return device;
}

async function restart(device: Device): Promise<void> {
  await device.core.close();
  device.core = await startCore(device);
}

const call = (device: Device, method: string, input: unknown = {}) =>
  callCommand(device.core.handlers, method, input);

async function refuses(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

function itemOf(view: LibraryView, materialId: string): LibraryItem | undefined {
  return view.items.find((i) => i.materialId === materialId);
}

function whenItem(device: Device, materialId: string, test: (item: LibraryItem) => boolean) {
  return firstValueFrom(
    device.core.handlers.subscriptions['library.items']({}).pipe(
      filter((view) => {
        const item = itemOf(view, materialId);
        return item !== undefined && test(item);
      }),
      timeout(60_000),
    ),
  ).then((view) => itemOf(view, materialId)!);
}

async function downloadAll(device: Device, materialId: string): Promise<LibraryItem> {
  await call(device, 'library.download', { materialId });
  return whenItem(device, materialId, (i) => i.download.state === 'ready' || i.download.state === 'failed');
}

/** Reads `range` of an opened item through the content route the core serves. */
async function read(device: Device, opened: OpenedMaterial, range?: string) {
  const sessionId = opened.url.slice(opened.url.lastIndexOf('/') + 1);
  const reply = await device.core.content.serve(sessionId, range ?? null);
  const chunks: Buffer[] = [];
  if (reply.body) for await (const c of reply.body) chunks.push(c as Buffer);
  return { ...reply, bytes: Buffer.concat(chunks) };
}

async function flipByte(file: string, offset: number): Promise<void> {
  const handle = await open(file, 'r+');
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, offset);
  byte[0] = byte[0]! ^ 0x01;
  await handle.write(byte, 0, 1, offset);
  await handle.close();
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

let laptop: Device;

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  teacherToken = (await server.user(`teacher-${randomUUID()}@school.test`, ['teacher'])).token;
  await server.user(studentEmail, ['student']);
  atlas = await seedMaterial(server, teacherToken, plaintext, { title: 'Atlas', grantTo: [studentEmail] });
  leaflet = await seedMaterial(server, teacherToken, Buffer.from('%PDF-1.7\nA leaflet to return.\n'), {
    title: 'Leaflet',
    grantTo: [studentEmail],
  });
  laptop = await newDevice();
}, 120_000);

afterAll(async () => {
  for (const d of devices) {
    await d.core.close().catch(() => undefined);
    await rm(d.dataDir, { recursive: true, force: true });
    for (const account of [
      'device:ed25519',
      'device:x25519',
      'device:install-id',
      'db-key:outpost',
      'user:refresh-token',
    ])
      await new KeytarKeyStore({ service: d.service }).delete(account).catch(() => false);
  }
  await server?.close();
  await session?.stop();
});

describe('the Library on a laptop', () => {
  it('lists what the student may take', async () => {
    const view = (await call(laptop, 'library.refresh')) as LibraryView;
    const item = itemOf(view, atlas.material_id);
    expect(item).toMatchObject({ title: 'Atlas', available: true, licence: { state: 'none' } });
    expect(item?.download.state).toBe('none');
    expect(view.lastSyncAt).not.toBeNull();
  });

  it('pauses after a verified chunk and resumes without fetching it again', async () => {
    const file = join(laptop.dataDir, 'library', `${atlas.material_id}.enc`);
    // Pause as soon as the first chunk is reported: the report comes after it was verified and synced.
    const paused = firstValueFrom(
      laptop.core.handlers.subscriptions['library.items']({}).pipe(
        filter((view) => (itemOf(view, atlas.material_id)?.download.chunksDone ?? 0) >= 1),
        timeout(60_000),
      ),
    ).then(() => call(laptop, 'library.pause', { materialId: atlas.material_id }));
    await call(laptop, 'library.download', { materialId: atlas.material_id });
    const item = (await paused) as LibraryItem;
    expect(item.download.state).toBe('paused');
    expect(item.download.chunksDone).toBeGreaterThanOrEqual(1);
    expect(item.download.chunksDone).toBeLessThan(3);
    expect(item.licence.state).toBe('valid');

    // Mark chunk 0 on disk: if the resume fetched it again the mark would be gone.
    await flipByte(file, 10);
    const done = await downloadAll(laptop, atlas.material_id);
    expect(done.download).toMatchObject({ state: 'ready', chunksDone: 3, chunkCount: 3 });
    expect((await stat(file)).size).toBe(2 * STORED_CHUNK_SIZE + (plaintext.length - 2 * CHUNK_SIZE) + 16);

    // The mark is still there, and reading finds it and names the chunk.
    const opened = (await call(laptop, 'library.open', { materialId: atlas.material_id })) as OpenedMaterial;
    const damaged = await read(laptop, opened, 'bytes=0-99');
    expect(damaged.status).toBe(500);
    expect(JSON.parse(damaged.bytes.toString())).toMatchObject({ code: 'CHUNK_DECRYPT_FAILED', index: 0 });
    const failed = await whenItem(laptop, atlas.material_id, (i) => i.download.state === 'failed');
    expect(failed.download.errorCode).toBe('CHUNK_DECRYPT_FAILED');
    expect(failed.download.error).toContain('Chunk 0');

    // Downloading again repairs it.
    expect((await downloadAll(laptop, atlas.material_id)).download.state).toBe('ready');
  });

  it('opens the item and streams byte ranges, decrypting in memory', async () => {
    const opened = (await call(laptop, 'library.open', { materialId: atlas.material_id })) as OpenedMaterial;
    expect(opened).toMatchObject({ contentType: 'application/pdf', sizeBytes: plaintext.length });
    expect(opened.url).toMatch(/^app:\/\/outpost\/content\/[A-Za-z0-9_-]{43}$/);

    const whole = await read(laptop, opened);
    expect(whole.status).toBe(200);
    expect(whole.headers['cache-control']).toContain('no-store');
    expect(whole.bytes.equals(plaintext)).toBe(true);

    const across = await read(laptop, opened, `bytes=${CHUNK_SIZE - 10}-${CHUNK_SIZE + 9}`);
    expect(across.status).toBe(206);
    expect(across.headers['content-range']).toBe(
      `bytes ${CHUNK_SIZE - 10}-${CHUNK_SIZE + 9}/${plaintext.length}`,
    );
    expect(across.bytes.equals(plaintext.subarray(CHUNK_SIZE - 10, CHUNK_SIZE + 10))).toBe(true);

    const tail = await read(laptop, opened, 'bytes=-5');
    expect(tail.bytes.equals(plaintext.subarray(plaintext.length - 5))).toBe(true);
    expect((await read(laptop, opened, `bytes=${plaintext.length}-`)).status).toBe(416);

    expect(await call(laptop, 'library.close', { materialId: atlas.material_id })).toEqual({ closed: true });
    expect((await read(laptop, opened, 'bytes=0-9')).status).toBe(404);
  });

  it('reports a chunk flipped on disk with its index', async () => {
    const file = join(laptop.dataDir, 'library', `${atlas.material_id}.enc`);
    await flipByte(file, 2 * STORED_CHUNK_SIZE + 77);
    const opened = (await call(laptop, 'library.open', { materialId: atlas.material_id })) as OpenedMaterial;
    expect((await read(laptop, opened, 'bytes=0-99')).status).toBe(206);
    const bad = await read(laptop, opened, `bytes=${2 * CHUNK_SIZE}-${2 * CHUNK_SIZE + 10}`);
    expect(bad.status).toBe(500);
    expect(JSON.parse(bad.bytes.toString())).toMatchObject({ code: 'CHUNK_DECRYPT_FAILED', index: 2 });
    const failed = await whenItem(laptop, atlas.material_id, (i) => i.download.state === 'failed');
    expect(failed.download.error).toContain('Chunk 2');
    expect((await downloadAll(laptop, atlas.material_id)).download.state).toBe('ready');
  });

  it('gains nothing from winding the clock back; a server answer re-anchors it', async () => {
    const id = atlas.material_id;
    await call(laptop, 'library.open', { materialId: id });
    laptop.clockOffset.ms = 73 * HOUR;
    expect((await refuses(call(laptop, 'library.open', { materialId: id }))).code).toBe(
      'LICENSE_OFFLINE_EXPIRED',
    );
    const view = (await firstValueFrom(
      laptop.core.handlers.subscriptions['library.items']({}),
    )) as LibraryView;
    expect(itemOf(view, id)?.licence).toMatchObject({
      state: 'offline_expired',
      code: 'LICENSE_OFFLINE_EXPIRED',
    });

    // Back to the real time: the high-water mark holds.
    laptop.clockOffset.ms = 0;
    expect((await refuses(call(laptop, 'library.open', { materialId: id }))).code).toBe(
      'LICENSE_OFFLINE_EXPIRED',
    );
    // And across a restart.
    await restart(laptop);
    expect((await refuses(call(laptop, 'library.open', { materialId: id }))).code).toBe(
      'LICENSE_OFFLINE_EXPIRED',
    );

    // The server answers: the clock is its time again, and the licence reads.
    await call(laptop, 'library.refresh');
    await call(laptop, 'library.open', { materialId: id });
    await call(laptop, 'library.close', { materialId: id });
  });

  it('leaves no plaintext of the material anywhere in the data directory after reading', async () => {
    const opened = (await call(laptop, 'library.open', { materialId: atlas.material_id })) as OpenedMaterial;
    expect((await read(laptop, opened)).bytes.equals(plaintext)).toBe(true);
    await call(laptop, 'library.close', { materialId: atlas.material_id });
    await restart(laptop);
    const needles = [
      Buffer.from(MARKER),
      plaintext.subarray(CHUNK_SIZE + 1000, CHUNK_SIZE + 1064),
      plaintext.subarray(plaintext.length - 64),
    ];
    const files = await filesUnder(laptop.dataDir);
    expect(files.some((f) => f.endsWith('.enc'))).toBe(true);
    for (const file of files) {
      const bytes = await readFile(file);
      for (const needle of needles) expect(bytes.includes(needle), `${file} holds plaintext`).toBe(false);
    }
  });

  it('refuses a stored licence edited by one byte', async () => {
    await laptop.core.close();
    const db = await openAppDatabase({
      dataDir: laptop.dataDir,
      keyStore: new KeytarKeyStore({ service: laptop.service }),
    });
    const doc = await db.rx.licences.findOne({ selector: { materialId: atlas.material_id } }).exec();
    const original = doc!.token;
    const licence = JSON.parse(original) as { expires_at: string };
    // One byte: a year later.
    const edited = licence.expires_at.replace(
      /^(\d{3})(\d)/,
      (_m, a: string, y: string) => `${a}${(+y + 1) % 10}`,
    );
    await doc!.incrementalPatch({ token: original.replace(licence.expires_at, edited) });
    await db.close();
    laptop.core = await startCore(laptop);
    const error = await refuses(call(laptop, 'library.open', { materialId: atlas.material_id }));
    expect(error.code).toBe('LICENSE_INVALID');

    // Put it back for the tests that follow.
    await laptop.core.close();
    const again = await openAppDatabase({
      dataDir: laptop.dataDir,
      keyStore: new KeytarKeyStore({ service: laptop.service }),
    });
    await (await again.rx.licences
      .findOne({ selector: { materialId: atlas.material_id } })
      .exec())!.incrementalPatch({
      token: original,
    });
    await again.close();
    laptop.core = await startCore(laptop);
    await call(laptop, 'library.open', { materialId: atlas.material_id });
  });

  it("refuses the encrypted file and licence copied into another device's profile", async () => {
    // One app database per process at a time (RxDB names them): the laptop closes meanwhile.
    await laptop.core.close();
    const from = await openAppDatabase({
      dataDir: laptop.dataDir,
      keyStore: new KeytarKeyStore({ service: laptop.service }),
    });
    const licence = (await from.rx.licences
      .findOne({ selector: { materialId: atlas.material_id } })
      .exec())!.toJSON();
    const material = (await from.rx.materials.findOne(atlas.material_id).exec())!.toJSON();
    await from.close();

    const other = await newDevice(true);
    await call(other, 'library.refresh');
    await other.core.close();
    // Copy the encrypted copy, its manifest, the licence and the material record across.
    await mkdir(join(other.dataDir, 'library'), { recursive: true });
    for (const name of [`${atlas.material_id}.enc`, `${atlas.material_id}.manifest.json`])
      await copyFile(join(laptop.dataDir, 'library', name), join(other.dataDir, 'library', name));

    const into = await openAppDatabase({
      dataDir: other.dataDir,
      keyStore: new KeytarKeyStore({ service: other.service }),
    });
    await into.rx.materials.upsert(material);
    await into.rx.licences.upsert(licence);
    // Offline from here: what is judged is the copy alone (a sync would also have the server refuse it).
    // The enrollment lives in the encrypted store (issue #16), so the test edits it there, with the key.
    const enrollmentDoc = (await into.rx.settings.findOne(ENROLLMENT_SETTING).exec())!;
    const record = JSON.parse(enrollmentDoc.value) as { enrollment: { serverUrl: string } };
    record.enrollment.serverUrl = 'http://127.0.0.1:9';
    await enrollmentDoc.incrementalPatch({ value: JSON.stringify(record) });
    await into.close();
    other.core = await startCore(other);
    expect((await refuses(call(other, 'library.open', { materialId: atlas.material_id }))).code).toBe(
      'DEVICE_MISMATCH',
    );

    // Renaming the licence to this device breaks its signature.
    await other.core.close();
    const otherDeviceId = await deviceIdOf(other);
    const ours = await openAppDatabase({
      dataDir: other.dataDir,
      keyStore: new KeytarKeyStore({ service: other.service }),
    });
    const doc = (await ours.rx.licences.findOne(licence.id).exec())!;
    const parsed = JSON.parse(doc.token) as { device_id: string };
    expect(otherDeviceId).not.toBe(parsed.device_id);
    await doc.incrementalPatch({ token: doc.token.replace(parsed.device_id, otherDeviceId) });
    await ours.close();
    other.core = await startCore(other);
    expect((await refuses(call(other, 'library.open', { materialId: atlas.material_id }))).code).toBe(
      'LICENSE_INVALID',
    );
    await other.core.close();
    laptop.core = await startCore(laptop);
  });

  it('returns an item early: the server frees the slot and the copy goes', async () => {
    await call(laptop, 'library.refresh');
    expect((await downloadAll(laptop, leaflet.material_id)).download.state).toBe('ready');
    const returned = (await call(laptop, 'library.return', {
      materialId: leaflet.material_id,
    })) as LibraryItem;
    expect(returned).toMatchObject({ download: { state: 'none' }, licence: { state: 'returned' } });
    await expect(stat(join(laptop.dataDir, 'library', `${leaflet.material_id}.enc`))).rejects.toThrow();
  });

  it('renews a licence near its expiry at the next contact', async () => {
    const before = itemOf((await call(laptop, 'library.refresh')) as LibraryView, atlas.material_id)!;
    // 25 days on (the system clock says so): within a week of the 30-day expiry.
    laptop.clockOffset.ms = 25 * 24 * HOUR;
    const after = itemOf((await call(laptop, 'library.refresh')) as LibraryView, atlas.material_id)!;
    laptop.clockOffset.ms = 0;
    expect(after.licence.state).toBe('valid');
    expect(after.licence.licenceId).not.toBe(before.licence.licenceId);
    expect(Date.parse(after.licence.expiresAt!)).toBeGreaterThanOrEqual(
      Date.parse(before.licence.expiresAt!),
    );
    await call(laptop, 'library.open', { materialId: atlas.material_id });
    await call(laptop, 'library.close', { materialId: atlas.material_id });
  });

  it('renews on demand, and keeps where the student is across a restart (#22)', async () => {
    const before = itemOf((await call(laptop, 'library.refresh')) as LibraryView, atlas.material_id)!;
    const renewed = (await call(laptop, 'library.renew', { materialId: atlas.material_id })) as LibraryItem;
    expect(renewed.licence.state).toBe('valid');
    expect(Date.parse(renewed.licence.expiresAt!)).toBeGreaterThanOrEqual(
      Date.parse(before.licence.expiresAt!),
    );
    // The returned leaflet has nothing left to renew.
    expect((await refuses(call(laptop, 'library.renew', { materialId: leaflet.material_id }))).code).toBe(
      'LICENSE_NOT_FOUND',
    );

    const place = {
      position: 'page:42',
      bookmarks: [{ at: 'page:7', label: 'Mitosis', createdAt: '2026-12-05T10:00:00.000Z' }],
    };
    // The boundary: an oversized location, an unknown material.
    const save = (input: object) =>
      call(laptop, 'library.reading.save', { materialId: atlas.material_id, ...input });
    expect((await refuses(save({ ...place, position: 'x'.repeat(513) }))).code).toBe('INVALID_INPUT');
    expect((await refuses(save({ ...place, bookmarks: Array(501).fill(place.bookmarks[0]) }))).code).toBe(
      'INVALID_INPUT',
    );
    expect(
      (await refuses(call(laptop, 'library.reading.save', { materialId: randomUUID(), ...place }))).code,
    ).toBe('MATERIAL_NOT_FOUND');
    expect(await save(place)).toEqual(place);
    await restart(laptop);
    const opened = (await call(laptop, 'library.open', { materialId: atlas.material_id })) as OpenedMaterial;
    expect(opened.reading).toEqual(place);
    await call(laptop, 'library.close', { materialId: atlas.material_id });
  });

  it('takes a revocation into account at the next sync', async () => {
    const view = (await call(laptop, 'library.refresh')) as LibraryView;
    const licenceId = itemOf(view, atlas.material_id)!.licence.licenceId!;
    const revoked = await server.call('POST', `/api/v1/offline/licenses/${licenceId}/revoke`, {
      token: teacherToken,
      body: { reason: 'end of term' },
    });
    expect(revoked.status).toBe(200);
    // Offline until the next sync, the laptop cannot know.
    await call(laptop, 'library.open', { materialId: atlas.material_id });
    const after = itemOf((await call(laptop, 'library.refresh')) as LibraryView, atlas.material_id)!;
    expect(after).toMatchObject({
      download: { state: 'none' },
      licence: { state: 'revoked', code: 'LICENSE_REVOKED' },
    });
    expect((await refuses(call(laptop, 'library.open', { materialId: atlas.material_id }))).code).toBe(
      'LICENSE_REVOKED',
    );
    await expect(stat(join(laptop.dataDir, 'library', `${atlas.material_id}.enc`))).rejects.toThrow();
    // Its open session ended with it.
    expect(laptop.core.content.openCount).toBe(0);
  });
});

/** The device id a device's core reports, read from a fresh core. */
async function deviceIdOf(device: Device): Promise<string> {
  const core = await startCore(device);
  try {
    const status = (await callCommand(core.handlers, 'app.status', {})) as { deviceId: string | null };
    return status.deviceId!;
  } finally {
    await core.close();
  }
}
