import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { publicKeyPem } from '../../protocol/crypto';
import type { LicenceResponse, MaterialRecord, UploadMaterialResponse } from '../../protocol/http';
import { generateHpkeKeyPair } from '../../protocol/hpke';
import { runEncryptionOnce } from '../materials/encryption-worker';
import { signed, type TestServer } from './harness';

/**
 * Materials test helpers over the real routes: upload, grant, encrypt (the real job), and laptops
 * that keep their X25519 private key so tests can unwrap the CEK of a licence.
 */

export interface Laptop {
  id: string;
  privateKey: KeyObject;
  pem: string;
  x25519: string;
  x25519Private: Uint8Array;
  fingerprint: string;
}

let laptops = 0;
export function newLaptop(prefix = 'LAPTOP'): Laptop {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const hpke = generateHpkeKeyPair();
  laptops++;
  return {
    id: `${prefix}-${process.pid}-${laptops}`,
    privateKey,
    pem: publicKeyPem(publicKey),
    x25519: hpke.publicKey,
    x25519Private: hpke.privateKey,
    fingerprint: `fp-${randomBytes(12).toString('hex')}`,
  };
}

/** Registers the laptop to the token's user (POST /api/v1/offline/devices). */
export async function registerLaptop(
  s: Pick<TestServer, 'call'>,
  userToken: string,
  laptop = newLaptop(),
): Promise<Laptop> {
  const res = await s.call('POST', '/api/v1/offline/devices', {
    token: userToken,
    body: {
      device_id: laptop.id,
      fingerprint: laptop.fingerprint,
      name: 'Laptop',
      platform: 'linux',
      pubkey_pem: laptop.pem,
      x25519_pub: laptop.x25519,
    },
  });
  if (res.status !== 201) throw new Error(`device registration failed: ${res.status} ${res.text}`);
  return laptop;
}

/** A device-signed JSON request (GET when body is undefined). */
export function deviceCall(
  s: Pick<TestServer, 'call'>,
  laptop: Laptop,
  method: string,
  path: string,
  body?: unknown,
  now?: number,
) {
  const text = body === undefined ? '' : JSON.stringify(body);
  return s.call(method, path, {
    headers: signed(laptop, method, path, text, now),
    ...(body === undefined ? {} : { rawBody: text }),
  });
}

/** The laptop takes a licence for the material (device-signed); throws unless 201. */
export async function takeLicence(s: Pick<TestServer, 'call'>, laptop: Laptop, materialId: string) {
  const res = await deviceCall(s, laptop, 'POST', `/api/v1/offline/materials/${materialId}/license`, {
    device_id: laptop.id,
    request_nonce: randomBytes(16).toString('base64url'),
  });
  if (res.status !== 201) throw new Error(`licence failed: ${res.status} ${res.text}`);
  return (res.body as LicenceResponse).licence;
}

export async function uploadMaterial(
  s: TestServer,
  teacherToken: string,
  bytes: Uint8Array,
  options: { contentType?: string; title?: string } = {},
): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(
    `${s.url}/api/v1/offline/materials?title=${encodeURIComponent(options.title ?? 'Material')}`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${teacherToken}`,
        'content-type': options.contentType ?? 'application/pdf',
      },
      body: bytes,
    },
  );
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text };
}

/** Runs the encryption queue until nothing is ready (the in-process equivalent of `npm run worker -- --once`). */
export function encryptPending(s: TestServer) {
  return runEncryptionOnce({ pool: s.pool, materials: s.trust.deps.materials, workerId: 'test-worker' });
}

/**
 * Upload → grant → encrypt, through the real routes and job: the material is ready for a licence
 * and download by any of `grantTo` when this resolves.
 */
export async function seedMaterial(
  s: TestServer,
  teacherToken: string,
  bytes: Uint8Array,
  options: { contentType?: string; title?: string; grantTo?: string[] } = {},
): Promise<MaterialRecord> {
  const up = await uploadMaterial(s, teacherToken, bytes, options);
  if (up.status !== 202) throw new Error(`upload failed: ${up.status} ${up.text}`);
  const { material } = up.body as UploadMaterialResponse;
  if (options.grantTo?.length) {
    const g = await s.call('POST', `/api/v1/offline/materials/${material.material_id}/grants`, {
      token: teacherToken,
      body: { emails: options.grantTo },
    });
    if (g.status !== 200) throw new Error(`grant failed: ${g.status} ${g.text}`);
  }
  await encryptPending(s);
  const list = await s.call('GET', '/api/v1/offline/materials', { token: teacherToken });
  const ready = (list.body as { materials: MaterialRecord[] }).materials.find(
    (m) => m.material_id === material.material_id,
  );
  if (ready?.status !== 'ready') throw new Error(`material not ready: ${JSON.stringify(ready)}`);
  return ready;
}

/** A small valid-looking PDF of about `size` bytes (the server only sniffs `%PDF-`). */
export function fakePdf(size: number): Buffer {
  const head = Buffer.from('%PDF-1.7\n');
  return Buffer.concat([head, randomBytes(Math.max(0, size - head.length))]);
}

/**
 * Material ids whose plaintext upload is in the store, and any object half-received (a `.part`
 * file, `receiving` rows): what the flow tests check is left behind, on either store.
 */
export async function storedUploads(s: TestServer): Promise<{ uploads: string[]; partial: number }> {
  const { blobs, dir } = s.trust.deps.materials;
  if (blobs.store === 'database') {
    const { rows } = await s.pool.query<{ material_id: string; kind: string }>(
      `SELECT DISTINCT material_id, kind FROM offline_material_chunks WHERE kind IN ('upload', 'receiving')`,
    );
    return {
      uploads: rows.filter((r) => r.kind === 'upload').map((r) => r.material_id),
      partial: rows.filter((r) => r.kind === 'receiving').length,
    };
  }
  const files = await readdir(join(dir, 'uploads')).catch(() => [] as string[]);
  return {
    uploads: files.filter((f) => f.endsWith('.upload')).map((f) => f.slice(0, -'.upload'.length)),
    partial: files.filter((f) => f.endsWith('.part')).length,
  };
}
