import type { KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LicenceResponse } from '../../protocol/http';
import { unwrapCek, verifyLicence } from '../../protocol/licence';
import { PASSWORD, startTestServer, TEST_MASTER_SECRET, type TestServer } from '../testing/harness';
import { deviceCall, fakePdf, registerLaptop, seedMaterial } from '../testing/materials';

/**
 * The attack of a thief holding a dump or a backup of the database, without the master secret:
 * every row of every table, as text, must hold no secret that would let them sign as the server,
 * open a bundle, sign in as a user or decrypt a material.
 */
let s: TestServer;
let dump: string;
const secrets: { name: string; bytes: Buffer }[] = [];

function privateBytes(name: string, key: KeyObject) {
  const d = key.export({ format: 'jwk' }).d;
  if (!d) throw new Error(`${name}: not a private key`);
  secrets.push({ name: `${name} (raw)`, bytes: Buffer.from(d, 'base64url') });
  secrets.push({ name: `${name} (PKCS#8)`, bytes: key.export({ format: 'der', type: 'pkcs8' }) });
}

/** Every spelling a secret could take in a text or bytea column. */
function spellings(bytes: Buffer): string[] {
  return [bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url')].map((x) =>
    x.replace(/=+$/, ''),
  );
}

beforeAll(async () => {
  s = await startTestServer();
  const teacher = await s.user('teacher@dump.test', ['teacher']);
  const student = await s.user('student@dump.test', ['student']);
  const laptop = await registerLaptop(s, student.token);
  const material = await seedMaterial(s, teacher.token, fakePdf(70_000), { grantTo: ['student@dump.test'] });
  const issued = await deviceCall(
    s,
    laptop,
    'POST',
    `/api/v1/offline/materials/${material.material_id}/license`,
    {
      device_id: laptop.id,
    },
  );
  expect(issued.status, issued.text).toBe(201);
  const verified = verifyLicence((issued.body as LicenceResponse).licence, {
    serverPublicKey: s.trust.deps.keys.signing.publicKey,
    deviceId: laptop.id,
  });

  secrets.push({ name: 'master secret', bytes: TEST_MASTER_SECRET });
  privateBytes('server signing key', s.trust.deps.keys.signing.privateKey);
  privateBytes('server HPKE key', s.trust.deps.keys.hpke.privateKey);
  secrets.push({ name: 'content key', bytes: Buffer.from(await unwrapCek(verified, laptop.x25519Private)) });
  secrets.push({ name: 'password', bytes: Buffer.from(PASSWORD) });
  secrets.push({ name: 'refresh token', bytes: Buffer.from(student.tokens.refresh_token) });

  const tables = await s.pool.query<{ name: string }>(
    `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name
       FROM information_schema.tables
      WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`,
  );
  const parts: string[] = [];
  for (const { name } of tables.rows) {
    const rows = await s.pool.query<{ row: string }>(`SELECT to_jsonb(t)::text AS row FROM ${name} t`);
    for (const r of rows.rows) parts.push(r.row);
  }
  dump = parts.join('\n');
});
afterAll(async () => {
  await s?.close();
});

describe('a dump of the database', () => {
  it('holds the rows it should (the dump is not empty by mistake)', () => {
    expect(dump).toContain('student@dump.test');
    expect(dump).toContain(s.trust.deps.keys.hpke.publicKeyRaw);
  });

  it('holds no private key, master secret, content key, password or refresh token in any spelling', () => {
    const found = secrets.filter(({ bytes }) => spellings(bytes).some((x) => dump.includes(x)));
    expect(found.map((f) => f.name)).toEqual([]);
  });
});
