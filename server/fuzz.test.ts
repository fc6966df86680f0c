import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueAccessToken } from './auth/tokens';
import { Terminal } from './payments/test-support';
import {
  newDevice,
  PASSWORD,
  signed,
  startTestServer,
  TEST_METRICS_TOKEN,
  type TestDevice,
  type TestServer,
} from './testing/harness';
import { deviceCall, fakePdf, registerLaptop, seedMaterial, type Laptop } from './testing/materials';
import { prng } from '../protocol/prng';

/**
 * Thousands of random and mutated requests across every route. Invariants: never a 5xx, the
 * server keeps serving, and a rejected request writes nothing. The one exception is a failed
 * sign-in, which must append exactly one audit row and touch nothing else.
 */

const SEED = 0x5eed_2024;
const REQUESTS = 5000;

const rnd = prng(SEED);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
const ascii = (n: number) => Array.from({ length: n }, () => String.fromCharCode(33 + int(94))).join('');

function randomValue(depth = 0): unknown {
  switch (int(depth > 1 ? 9 : 11)) {
    case 0:
      return null;
    case 1:
      return rnd() < 0.5;
    case 2:
      return pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, 721, 72]);
    case 3:
      return ascii(int(40));
    case 4:
      return 'x'.repeat(pick([1000, 70_000, 300_000]));
    case 5:
      return pick([
        '',
        ' ',
        '\u0000',
        '\u202e\ufeff',
        '😀'.repeat(50),
        'SN',
        'XOF',
        'a@b',
        '../..',
        "'; DROP TABLE users; --",
      ]);
    case 6:
      return pick([
        'merchant',
        'agent',
        'school',
        'pay_admin',
        'AAAA-BBBB-CCCC',
        '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n',
      ]);
    case 7:
      return `${ascii(5)}@${ascii(5)}`;
    case 8:
      return 'A'.repeat(43);
    case 9:
      return Array.from({ length: int(4) }, () => randomValue(depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: int(4) }, () => [ascii(3), randomValue(depth + 1)]));
  }
}

interface Req {
  route: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  signer?: Pick<TestDevice, 'id' | 'privateKey'>;
}

let s: TestServer;
let admin: string;
let ops: string;
let student: string;
let expired: string;
let foreign: string;
let terminal: TestDevice;
let code: string;
let refreshToken: string;
/** Bundles of `terminal`, built once: pushes pick among them (new, duplicate, out of order). */
let envelopes: object[] = [];
const lastSigned = new Map<string, Record<string, string>>();
// Materials: a teacher, a student's laptop holding a licence of a ready material, a download URL.
let teacher: string;
let laptop: Laptop;
let materialId: string;
let jobId: string;
let licence: { licence_id: string; nonce: string };
let fileToken: string;

beforeAll(async () => {
  s = await startTestServer();
  const a = await s.user('admin@example.com', ['pay_admin']);
  admin = a.token;
  ops = (await s.user('ops@example.com', ['ops'])).token;
  const st = await s.user('student@example.com', ['student']);
  student = st.token;
  refreshToken = st.tokens.refresh_token;
  expired = await issueAccessToken(
    s.trust.deps.keys,
    { userId: a.id, roles: ['pay_admin'] },
    { expiresAt: 1_000_000 },
  );
  const { privateKey } = generateKeyPairSync('ed25519');
  foreign = await issueAccessToken(
    { ...s.trust.deps.keys, signing: { ...s.trust.deps.keys.signing, privateKey } },
    { userId: a.id, roles: ['pay_admin'] },
  );
  terminal = newDevice('FUZZ');
  const reg = await s.call('POST', '/offline/devices', {
    token: admin,
    body: {
      device_id: terminal.id,
      tenant_type: 'merchant',
      tenant_id: 'm1',
      pubkey_pem: terminal.pem,
      x25519_pub: terminal.x25519,
      country: 'SN',
      currency_default: 'XOF',
      fingerprint: terminal.fingerprint,
    },
  });
  expect(reg.status).toBe(201);
  const c = await s.call('POST', '/offline/enrollment-codes', {
    token: admin,
    body: { tenant_type: 'school', tenant_id: 's1', country: 'ID', currency_default: 'IDR' },
  });
  code = (c.body as { code: string }).code;
  teacher = (await s.user('teacher@example.com', ['teacher'])).token;
  laptop = await registerLaptop(s, student);
  materialId = (await seedMaterial(s, teacher, fakePdf(3000), { grantTo: ['student@example.com'] }))
    .material_id;
  jobId = (
    (await s.call('GET', `/api/v1/offline/materials/${materialId}/job`, { token: teacher })).body as {
      job_id: string;
    }
  ).job_id;
  const issued = await deviceCall(s, laptop, 'POST', `/api/v1/offline/materials/${materialId}/license`, {
    device_id: laptop.id,
  });
  licence = (issued.body as { licence: { licence_id: string; nonce: string } }).licence;
  const dl = await deviceCall(s, laptop, 'GET', `/api/v1/offline/materials/${materialId}/download`);
  fileToken = (dl.body as { url: string }).url.split('/').pop()!;
  const pos = new Terminal(terminal, s.trust.deps.keys.hpke.publicKeyRaw);
  for (let i = 0; i < 40; i++) envelopes.push(await pos.bundle(pos.sales(1 + int(3))));
  envelopes = envelopes.map((e) => ({ ...e }));
});
afterAll(async () => {
  await s?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

function templates(): Array<() => Req> {
  const json = (
    route: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Req => ({
    route,
    method,
    path,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return [
    () =>
      json(
        'signIn',
        'POST',
        '/auth/sign-in',
        { 'content-type': 'application/json' },
        {
          email: pick(['admin@example.com', 'nobody@example.com', 'student@example.com']),
          password: pick([PASSWORD, 'wrong', ascii(12)]),
        },
      ),
    () =>
      json(
        'refresh',
        'POST',
        '/auth/refresh',
        { 'content-type': 'application/json' },
        { refresh_token: refreshToken },
      ),
    () =>
      json(
        'signOut',
        'POST',
        '/auth/sign-out',
        { 'content-type': 'application/json' },
        { refresh_token: refreshToken },
      ),
    () => {
      const d = newDevice('FZ');
      return json('registerTerminal', 'POST', '/offline/devices', bearer(admin), {
        device_id: d.id,
        tenant_type: 'merchant',
        tenant_id: 'm',
        pubkey_pem: d.pem,
        x25519_pub: d.x25519,
        country: 'SN',
        currency_default: 'XOF',
      });
    },
    () =>
      json('createEnrollmentCode', 'POST', '/offline/enrollment-codes', bearer(admin), {
        tenant_type: 'agent',
        tenant_id: 'a',
        country: 'SN',
        currency_default: 'XOF',
        expires_in_hours: 24,
      }),
    () => {
      const d = newDevice('FZE');
      return {
        ...json(
          'enroll',
          'POST',
          '/offline/enroll',
          {},
          { code, device_id: d.id, pubkey_pem: d.pem, x25519_pub: d.x25519, fingerprint: d.fingerprint },
        ),
        signer: d,
      };
    },
    () => ({
      ...json('checkIn', 'POST', '/offline/devices/check-in', {}, { fingerprint: terminal.fingerprint }),
      signer: terminal,
    }),
    () =>
      json('upsertPolicy', 'POST', '/offline/policies', bearer(pick([admin, ops])), {
        country: 'SN',
        currency: 'XOF',
        max_offline_amount: 100000,
        max_offline_per_device_per_day: 50,
        max_unsynced_amount: 500000,
        approval_threshold: 50000,
        enabled: true,
      }),
    () => json('listPolicies', 'GET', '/offline/policies', bearer(ops)),
    () => {
      const d = newDevice('FZL');
      return json('registerUserDevice', 'POST', '/api/v1/offline/devices', bearer(student), {
        device_id: d.id,
        fingerprint: d.fingerprint,
        name: 'n',
        platform: 'p',
        pubkey_pem: d.pem,
        x25519_pub: d.x25519,
      });
    },
    () => json('listUserDevices', 'GET', '/api/v1/offline/devices', bearer(student)),
    () =>
      json(
        'deregisterUserDevice',
        'DELETE',
        `/api/v1/offline/devices/${pick(['FZL-x', terminal.id, '%ZZ', '..', ascii(10)])}`,
        bearer(student),
      ),
    () =>
      json('pushBundle', 'POST', '/offline/push', { 'content-type': 'application/json' }, pick(envelopes)),
    () => {
      const id = pick([
        ...envelopes.map((e) => (e as { bundle_id: string }).bundle_id),
        ascii(36),
        '00000000-0000-4000-8000-000000000000',
      ]);
      return rnd() < 0.5
        ? {
            ...json('bundleStatus', 'GET', `/offline/bundles/${encodeURIComponent(id)}`, {}),
            signer: terminal,
          }
        : json(
            'bundleStatus',
            'GET',
            `/offline/bundles/${encodeURIComponent(id)}`,
            bearer(pick([ops, admin, student])),
          );
    },
    () => ({
      ...json(
        'pullPayments',
        'GET',
        `/offline/sync/payments${pick(['', '?since=0', '?since=12', '?since=x', '?since=99999999999999999999999'])}`,
        {},
      ),
      signer: terminal,
    }),
    () =>
      json('upsertCatalog', 'POST', '/offline/catalog', bearer(admin), {
        tenant_type: 'merchant',
        tenant_id: 'm1',
        items: [
          {
            sku: pick(['A', 'B', ascii(5)]),
            barcode: pick([null, '6044000123456']),
            name: 'Item',
            price_minor: int(5000),
            currency: 'XOF',
            tax_rate_bp: 1800,
            active: rnd() < 0.8,
          },
        ],
      }),
    () => json('listReview', 'GET', '/offline/review', bearer(pick([ops, admin]))),
    () =>
      json(
        'decideReview',
        'POST',
        `/offline/review/${pick(envelopes.map((e) => (e as { bundle_id: string }).bundle_id))}`,
        bearer(ops),
        { decision: pick(['approve', 'reject']), note: 'fuzz' },
      ),
    // Materials and licences
    () => ({
      route: 'uploadMaterial',
      method: 'POST',
      path: `/api/v1/offline/materials?title=${pick(['Atlas', '', '%00', ascii(8)])}`,
      headers: {
        ...bearer(pick([teacher, student])),
        'content-type': pick(['application/pdf', 'image/png']),
      },
      body: pick(['%PDF-1.7\n' + ascii(int(200)), ascii(50)]),
    }),
    () =>
      rnd() < 0.5
        ? json('listMaterials', 'GET', '/api/v1/offline/materials', bearer(pick([teacher, student, ops])))
        : { ...json('listMaterials', 'GET', '/api/v1/offline/materials', {}), signer: laptop },
    () =>
      json('grantMaterial', 'POST', `/api/v1/offline/materials/${materialId}/grants`, bearer(teacher), {
        emails: [pick(['student@example.com', 'new@example.com', ascii(6)])],
      }),
    () => json('materialJob', 'GET', `/api/v1/offline/materials/${materialId}/job`, bearer(teacher)),
    () => json('getJob', 'GET', `/api/v1/offline/jobs/${pick([jobId, ascii(36)])}`, bearer(teacher)),
    () => ({
      ...json(
        'issueLicence',
        'POST',
        `/api/v1/offline/materials/${materialId}/license`,
        {},
        { device_id: laptop.id },
      ),
      signer: laptop,
    }),
    ...(['validate', 'renew'] as const).map((action) => () => ({
      ...json(
        `${action}Licence`,
        'POST',
        `/api/v1/offline/licenses/${licence.licence_id}/${action}`,
        {},
        { nonce: pick([licence.nonce, 'forged']) },
      ),
      signer: laptop,
    })),
    () => ({
      ...json('returnLicence', 'POST', `/api/v1/offline/licenses/${licence.licence_id}/return`, {}),
      signer: laptop,
    }),
    () =>
      json(
        'revokeLicence',
        'POST',
        `/api/v1/offline/licenses/${licence.licence_id}/revoke`,
        bearer(teacher),
        {
          reason: 'fuzz',
        },
      ),
    () => ({
      ...json('offlineSync', 'POST', '/api/v1/offline/sync', {}, { licences: [licence] }),
      signer: laptop,
    }),
    () => ({
      ...json('downloadMaterial', 'GET', `/api/v1/offline/materials/${materialId}/download`, {}),
      signer: laptop,
    }),
    () => {
      const ranges = ['bytes=0-10', 'bytes=99999999-', 'bytes=-5', 'bytes=a-b', 'bytes=0-1,3-4'];
      const headers: Record<string, string> = rnd() < 0.5 ? {} : { range: pick(ranges) };
      const token = pick([fileToken, flip(fileToken), ascii(60)]);
      return json('downloadFile', 'GET', `/api/v1/offline/files/${token}`, headers);
    },
    // The operator's routes, with and without the monitoring token.
    () => json('healthFull', 'GET', '/health/full', rnd() < 0.5 ? {} : bearer(TEST_METRICS_TOKEN)),
    () => json('metrics', 'GET', '/metrics', rnd() < 0.5 ? {} : bearer(TEST_METRICS_TOKEN)),
  ];
}

const MUTATIONS = [
  'field-value',
  'field-value',
  'drop-field',
  'extra-field',
  'bad-json',
  'random-body',
  'huge-string',
  'too-large',
  'no-auth',
  'mutate-token',
  'wrong-role',
  'expired',
  'foreign-token',
  'drop-header',
  'mutate-header',
  'stale-ts',
  'replay',
  'path',
  'method',
  'content-type',
  'array-body',
] as const;

function flip(text: string): string {
  const i = int(text.length);
  const c = text[i] === 'A' ? 'B' : 'A';
  return text.slice(0, i) + c + text.slice(i + 1);
}

function mutate(req: Req): Req {
  const out: Req = { ...req, headers: { ...req.headers } };
  const kind = pick(MUTATIONS);
  const obj = (): Record<string, unknown> => {
    try {
      const v: unknown = JSON.parse(out.body ?? '{}');
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  switch (kind) {
    case 'field-value': {
      const o = obj();
      const keys = Object.keys(o);
      o[keys.length > 0 ? pick(keys) : 'x'] = randomValue();
      out.body = JSON.stringify(o);
      break;
    }
    case 'drop-field': {
      const o = obj();
      const keys = Object.keys(o);
      if (keys.length > 0) delete o[pick(keys)];
      out.body = JSON.stringify(o);
      break;
    }
    case 'extra-field':
      out.body = JSON.stringify({ ...obj(), [ascii(4)]: randomValue() });
      break;
    case 'bad-json':
      out.body =
        (out.body ?? '{}').slice(0, int((out.body ?? '{}').length)) +
        pick(['{', '"', ',', ']', '\\', 'nul', '']);
      break;
    case 'random-body':
      out.body = ascii(int(200));
      break;
    case 'huge-string':
      out.body = JSON.stringify({ ...obj(), [pick(Object.keys(obj()).concat('x'))]: 'y'.repeat(100_000) });
      break;
    case 'too-large':
      out.body = rnd() < 0.2 ? `{"a":"${'z'.repeat(1_100_000)}"}` : JSON.stringify(randomValue());
      break;
    case 'array-body':
      out.body = JSON.stringify([obj()]);
      break;
    case 'no-auth':
      for (const h of Object.keys(out.headers))
        if (h === 'authorization' || h.startsWith('x-outpost')) delete out.headers[h];
      out.signer = undefined;
      break;
    case 'mutate-token':
      if (out.headers.authorization)
        out.headers.authorization = `Bearer ${flip(out.headers.authorization.slice(7))}`;
      else out.body = JSON.stringify({ ...obj(), refresh_token: flip(refreshToken) });
      break;
    case 'wrong-role':
      out.headers.authorization = `Bearer ${pick([admin, ops, student])}`;
      break;
    case 'expired':
      out.headers.authorization = `Bearer ${expired}`;
      break;
    case 'foreign-token':
      out.headers.authorization = `Bearer ${foreign}`;
      break;
    default:
      break;
  }
  return finalize(out, kind);
}

/** Signs device routes (after body mutations, so most reach validation), then applies header-level mutations. */
function finalize(req: Req, kind: (typeof MUTATIONS)[number]): Req {
  const out = { ...req, headers: { ...req.headers } };
  if (out.signer) {
    const resign = !['field-value', 'drop-field', 'bad-json'].includes(kind) || rnd() < 0.6;
    const ts = kind === 'stale-ts' ? Date.now() - pick([6, 60, 6000]) * 60_000 : Date.now();
    if (resign) Object.assign(out.headers, signed(out.signer, out.method, out.path, out.body ?? '', ts));
    else Object.assign(out.headers, signed(out.signer, out.method, out.path, req.body ?? '', ts));
    if (kind === 'replay' && lastSigned.has(out.route)) Object.assign(out.headers, lastSigned.get(out.route));
    lastSigned.set(out.route, { ...out.headers });
  }
  switch (kind) {
    case 'drop-header': {
      const keys = Object.keys(out.headers).filter((h) => h.startsWith('x-outpost') || h === 'authorization');
      if (keys.length > 0) delete out.headers[pick(keys)];
      break;
    }
    case 'mutate-header': {
      const h = pick([
        'x-outpost-device',
        'x-outpost-timestamp',
        'x-outpost-nonce',
        'x-outpost-signature',
        'x-outpost-fingerprint',
        'authorization',
        'x-request-id',
      ]);
      out.headers[h] = rnd() < 0.5 && out.headers[h] ? flip(out.headers[h]) : ascii(int(120));
      break;
    }
    case 'path':
      out.path =
        rnd() < 0.5
          ? `${out.path}${pick(['/', '/x', '?a=1', '%', '%ZZ', '/../../etc/passwd', '//'])}`
          : `/${ascii(int(30)).replace(/[?#%\\]/g, '_')}`;
      break;
    case 'method':
      out.method = pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']);
      break;
    case 'content-type':
      out.headers['content-type'] = pick([
        'text/plain',
        'application/json; charset=latin1',
        'application/x-www-form-urlencoded',
        'multipart/form-data',
        '',
      ]);
      if (rnd() < 0.3) out.headers['content-encoding'] = pick(['gzip', 'br', 'identity', 'bogus']);
      break;
    default:
      break;
  }
  return out;
}

let digestSql: string | undefined;
async function digest(): Promise<Record<string, string>> {
  digestSql ??= await digestQuery();
  const { rows } = await s.pool.query<{ t: string; d: string }>(digestSql);
  return Object.fromEntries(rows.map((r) => [r.t, r.d]));
}

async function digestQuery(): Promise<string> {
  const { rows: tables } = await s.pool.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  const parts = tables.map(({ name }) =>
    name === 'offline_audit_logs'
      ? `SELECT '${name}' AS t, count(*)::text AS d FROM ${name}`
      : // Any committed insert, update or delete changes the count or the newest xmin.
        `SELECT '${name}' AS t, count(*) || ':' || coalesce(max(xmin::text::bigint), 0) AS d FROM ${name}`,
  );
  return parts.join(' UNION ALL ');
}

describe('fuzz', () => {
  it(
    `${REQUESTS} random and mutated requests: no 5xx, nothing written when rejected`,
    { timeout: 300_000 },
    async () => {
      const all = templates();
      const statuses = new Map<number, number>();
      let before = await digest();
      let failedSignIns = 0;
      const started = Date.now();
      let inDigest = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const base = pick(all)();
        const req = rnd() < 0.08 ? finalize(base, 'replay') : mutate(rnd() < 0.3 ? mutate(base) : base);
        let res: Response;
        try {
          res = await fetch(`${s.url}${req.path}`, {
            method: req.method,
            headers: req.headers,
            ...(req.body === undefined || req.method === 'GET' || req.method === 'HEAD'
              ? {}
              : { body: req.body }),
          });
        } catch (err) {
          throw new Error(`request ${i} (${req.method} ${req.path}) failed: ${String(err)}`, { cause: err });
        }
        const text = await res.text();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500)
          throw new Error(
            `request ${i} ${req.method} ${req.path} → ${res.status} ${text}\n${s.logs.filter((l) => l.includes('unhandled')).join('\n')}`,
          );
        const t0 = Date.now();
        const after = await digest();
        inDigest += Date.now() - t0;
        if (res.status >= 300) {
          // Counting refused sign-ins, refreshes, enrollments and pushes is what throttling is.
          const expected: Record<string, string> = { ...before, throttle_counters: after.throttle_counters! };
          // Only sign-in answers INVALID_CREDENTIALS, whatever spelling of its path matched; a
          // failed sign-in writes nothing, not even an audit row (issue #16).
          if (text.includes('"INVALID_CREDENTIALS"')) failedSignIns++;
          // A refused bundle push from a device whose signature verified is audited
          // (bundle.rejected) and writes nothing else.
          if (
            req.method === 'POST' &&
            /^\/offline\/push\/?$/i.test(req.path) &&
            after.offline_audit_logs === String(Number(before.offline_audit_logs) + 1)
          )
            expected.offline_audit_logs = after.offline_audit_logs;
          // A failed licence validation or renewal is counted against the device (the nonce with
          // it, and an audit row when it blocks the device): that write is the point of the count.
          if (
            req.method === 'POST' &&
            /^\/api\/v1\/offline\/licenses\/[^/]+\/(validate|renew)\/?$/.test(req.path) &&
            /"(INVALID_NONCE|LICENSE_NOT_FOUND|LICENSE_REVOKED|LICENSE_EXPIRED)"/.test(text)
          )
            for (const t of [
              'offline_device_blocks',
              'device_nonces',
              'offline_licenses',
              'offline_audit_logs',
            ])
              expected[t] = after[t]!;
          // A chain's head row moves with each audit row appended to it (#23), and only then.
          if (expected.offline_audit_logs !== before.offline_audit_logs)
            expected.offline_audit_heads = after.offline_audit_heads!;
          expect(
            after,
            `request ${i} ${req.method} ${req.path} → ${res.status} ${text.slice(0, 200)} wrote data`,
          ).toEqual(expected);
        }
        before = after;
      }
      expect((await fetch(`${s.url}/health/live`)).status).toBe(200);
      const rejected = [...statuses].filter(([st]) => st >= 400).reduce((n, [, c]) => n + c, 0);
      expect(rejected).toBeGreaterThan(REQUESTS * 0.5);
      expect(failedSignIns).toBeGreaterThan(0);
      console.log(
        `fuzz: ${Date.now() - started} ms, statuses`,
        Object.fromEntries(statuses),
        'failed sign-ins audited',
        failedSignIns,
        'digest ms',
        inDigest,
      );
    },
  );
});

/** Every path to a string inside a JSON value, keys first: where a control character can be put. */
function stringPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...path, i]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...path, k]));
  return [];
}

function withValueAt(value: unknown, path: (string | number)[], replace: (s: string) => string): unknown {
  const copy: unknown = structuredClone(value);
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  parent[last] = replace(parent[last] as string);
  return copy;
}

// Attack (issue #16): a NUL in a JSON string reached PostgreSQL, which refuses it in text: a 500,
// and a till retrying that request forever. Every string field of every route's valid request,
// with a NUL, an escape and a DEL appended in turn: never a 5xx, never a write, a 400 naming the
// field whenever the caller got past authentication.
describe('control characters in every string field of every route', () => {
  it(
    'are refused with 400 CONTROL_CHARACTERS (or the push answer INVALID_BUNDLE), writing nothing',
    { timeout: 300_000 },
    async () => {
      const codes = new Map<string, number>();
      let tried = 0;
      for (const template of templates()) {
        const base = template();
        if (base.body === undefined) continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(base.body);
        } catch {
          continue;
        }
        for (const path of stringPaths(parsed)) {
          for (const control of ['\u0000', '\u001b', '\u007f']) {
            const body = JSON.stringify(
              withValueAt(parsed, path, (v) => `${v.slice(0, 3)}${control}${v.slice(3)}`),
            );
            const headers = { ...base.headers };
            if (base.signer) Object.assign(headers, signed(base.signer, base.method, base.path, body));
            const before = await digest();
            const res = await fetch(`${s.url}${base.path}`, { method: base.method, headers, body });
            const text = await res.text();
            const where = `${base.method} ${base.path} ${path.join('.')} ${JSON.stringify(control)}`;
            expect(res.status, `${where} → ${text.slice(0, 200)}`).toBeLessThan(500);
            expect(res.status, `${where} → ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
            const after = await digest();
            expect(after, `${where} wrote data`).toEqual({
              ...before,
              throttle_counters: after.throttle_counters!,
            });
            const code = (JSON.parse(text) as { error: { code: string } }).error.code;
            codes.set(code, (codes.get(code) ?? 0) + 1);
            tried++;
          }
        }
      }
      // Most reach input validation (the others are refused earlier: bearer, signature, throttle).
      expect(codes.get('CONTROL_CHARACTERS') ?? 0).toBeGreaterThan(tried / 2);
      console.log('control characters:', tried, 'requests', Object.fromEntries(codes));
    },
  );
});
