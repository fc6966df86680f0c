import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Aes256Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The server side only: a running server, its operator (a pay_admin) and its reconciliation worker.
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { THROTTLE_LIMITS } from '../../server/throttle/limits';
import { runOnce } from '../../server/worker/reconcile';
import { SN_POLICY_INPUT } from '../support/sn-policy';

/**
 * A terminal written from docs/protocol.md alone (issue #20): Node's crypto, fetch and @hpke/core,
 * nothing of our protocol/ or src-main/ code. It first checks itself against docs/test-vectors, then
 * enrolls with a code against a real server on real PostgreSQL, pushes a bundle that is accepted and
 * reconciled, and meets the documented refusals with their documented codes. Each section cited is
 * the one this code was written from; where the document was not enough, the document was fixed.
 */

// ---- §1 canonical JSON (RFC 8785) for the values the protocol carries: no floats beyond integers. ----
function jcs(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('not JSON');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  // Keys sorted by UTF-16 code units: what Array.prototype.sort does with no comparator.
  return `{${entries
    .map(([k]) => k)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${jcs((value as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}
const canonical = (value: unknown) => Buffer.from(jcs(value), 'utf8');
const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();
// §2: Ed25519 over the canonical JSON bytes, base64url.
const signJson = (key: KeyObject, value: unknown) => b64u(sign(null, canonical(value), key));
const GENESIS = 'A'.repeat(43);

// ---- §4 HPKE: base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM. ----
const suite = new CipherSuite({
  kem: new DhkemX25519HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});

// ---- §3.3: the HPKE key's id. ----
const hpkeKeyId = (publicKeyB64u: string) =>
  `x25519:${b64u(sha256(Buffer.from(publicKeyB64u, 'base64url'))).slice(0, 22)}`;

interface Sale {
  [field: string]: unknown;
  seq: number;
}

/** §5.3 "Building (terminal)", steps 1-5. `ikmE` fixes the ephemeral key (test vectors only). */
async function buildBundle(input: {
  deviceId: string;
  deviceKey: KeyObject;
  serverHpkeKey: string;
  serverKeyId?: string;
  sales: Sale[];
  prevChainHead: string;
  bundleId?: string;
  now: string;
  deviceClock?: string;
  nonce?: string;
  ikmE?: Uint8Array;
  /** Refusal tests: seal to another X25519 key, or put another bundle id in the header. */
  sealTo?: string;
  headerBundleId?: string;
}) {
  const { sales } = input;
  const chainHead = b64u(sha256(canonical(sales[sales.length - 1]))); // §5.2 saleHash
  const payload = {
    v: 1,
    bundle_id: input.bundleId ?? randomUUID(),
    device_id: input.deviceId,
    created_at: input.now,
    seq_from: sales[0]!.seq,
    seq_to: sales[sales.length - 1]!.seq,
    prev_chain_head: input.prevChainHead,
    chain_head: chainHead,
    sales,
  };
  const sender = await suite.createSenderContext({
    recipientPublicKey: await suite.kem.deserializePublicKey(
      new Uint8Array(Buffer.from(input.sealTo ?? input.serverHpkeKey, 'base64url')),
    ),
    info: new Uint8Array(Buffer.from('outpost/bundle/v1')),
    ...(input.ikmE ? { ekm: input.ikmE } : {}),
  });
  const header = {
    v: 1,
    device_id: input.deviceId,
    bundle_id: input.headerBundleId ?? payload.bundle_id,
    device_clock: input.deviceClock ?? input.now,
    nonce: input.nonce ?? b64u(randomBytes(16)),
    seq_from: payload.seq_from,
    seq_to: payload.seq_to,
    chain_head: chainHead,
    sales_count: sales.length,
    hpke: {
      kem_id: 32,
      kdf_id: 1,
      aead_id: 2,
      server_key_id: input.serverKeyId ?? hpkeKeyId(input.serverHpkeKey),
      enc: b64u(new Uint8Array(sender.enc)),
    },
  };
  const ciphertext = await sender.seal(new Uint8Array(canonical(payload)), new Uint8Array(canonical(header)));
  const unsigned = { ...header, encrypted_payload: b64u(new Uint8Array(ciphertext)) };
  return { payload, envelope: { ...unsigned, signature: signJson(input.deviceKey, unsigned) } };
}

const vector = (name: string) =>
  JSON.parse(
    readFileSync(fileURLToPath(new URL(`../../docs/test-vectors/${name}`, import.meta.url)), 'utf8'),
  );

/** §5.1: the vector's cash sale (one line, 990 paid with 1000), as this device's sale `seq`. */
function cashSale(
  deviceId: string,
  seq: number,
  prevHash: string,
  createdAt: string,
  currency = 'XOF',
): Sale {
  const { lines, tenders, total_minor } = vector('sale.json').sale as Sale;
  return {
    sale_id: randomUUID(),
    device_id: deviceId,
    seq,
    prev_hash: prevHash,
    kind: 'sale',
    created_at: createdAt,
    online: false,
    currency,
    lines,
    tenders,
    total_minor,
  };
}

describe('docs/test-vectors, reproduced from docs/protocol.md', () => {
  const vector = (name: string) =>
    JSON.parse(
      readFileSync(fileURLToPath(new URL(`../../docs/test-vectors/${name}`, import.meta.url)), 'utf8'),
    );

  it('gives the same request signature, sale hash and bundle, byte for byte', async () => {
    const keys = vector('keys.json');
    const deviceKey = createPrivateKey({
      key: Buffer.from(keys.device_ed25519.pkcs8_der_hex, 'hex'),
      format: 'der',
      type: 'pkcs8',
    });
    const request = vector('request-signature.json');
    expect(signJson(deviceKey, request.signed_object)).toBe(request.signature_b64u);
    expect(b64u(sha256(new Uint8Array(0)))).toBe(request.body_sha256_b64u);

    const { sale, sale_hash_b64u, canonical_hex } = vector('sale.json');
    expect(canonical(sale).toString('hex')).toBe(canonical_hex);
    expect(b64u(sha256(canonical(sale)))).toBe(sale_hash_b64u);

    const bundle = vector('bundle.json');
    expect(hpkeKeyId(keys.server_x25519.public_b64u)).toBe(keys.server_x25519.server_key_id);
    const built = await buildBundle({
      deviceId: keys.device_id,
      deviceKey,
      serverHpkeKey: keys.server_x25519.public_b64u,
      sales: [sale],
      prevChainHead: GENESIS,
      bundleId: bundle.payload.bundle_id,
      now: bundle.payload.created_at,
      nonce: bundle.header.nonce,
      ikmE: new Uint8Array(Buffer.from(bundle.hpke_ikmE_hex, 'hex')),
    });
    expect(canonical(built.payload).toString('hex')).toBe(bundle.payload_canonical_hex);
    expect(built.envelope).toEqual(bundle.envelope);
  });
});

describe('a terminal written from docs/protocol.md, against a real server', () => {
  let server: TestServer;
  let code: string;
  let admin: { token: string };
  const snPolicy = SN_POLICY_INPUT;

  async function issueCode(country = 'SN') {
    const issued = await server.call('POST', '/offline/enrollment-codes', {
      token: admin.token,
      body: { tenant_type: 'merchant', tenant_id: 'shop-42', country, currency_default: 'XOF' },
    });
    expect(issued.status).toBe(201);
    return (issued.body as { code: string }).code;
  }

  beforeAll(async () => {
    server = await startTestServer();
    // The operator's part (back office): a policy for the country and a one-time code.
    admin = await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin']);
    const policy = await server.call('POST', '/offline/policies', { token: admin.token, body: snPolicy });
    expect(policy.status).toBe(200);
    code = await issueCode();
  });
  afterAll(async () => {
    await server?.close();
  });

  /** §3: the four headers over method, path and query, body hash, device, time and nonce. */
  function signedHeaders(deviceId: string, key: KeyObject, method: string, path: string, body: string) {
    const ts = String(Date.now());
    const nonce = b64u(randomBytes(16));
    const signature = signJson(key, {
      v: 1,
      method,
      path,
      body: b64u(sha256(Buffer.from(body, 'utf8'))),
      device: deviceId,
      ts,
      nonce,
    });
    return {
      'x-outpost-device': deviceId,
      'x-outpost-timestamp': ts,
      'x-outpost-nonce': nonce,
      'x-outpost-signature': signature,
    };
  }

  /** §6.1: parse, signature by the trusted key over every other field, this device, this nonce. */
  function verifyStatement(
    statement: Record<string, unknown>,
    trusted: KeyObject,
    deviceId: string,
    requestNonce: string | null,
  ) {
    const { signature, ...unsigned } = statement;
    expect(verify(null, canonical(unsigned), trusted, Buffer.from(signature as string, 'base64url'))).toBe(
      true,
    );
    expect(statement.device_id).toBe(deviceId);
    expect(statement.request_nonce).toBe(requestNonce);
  }

  /**
   * §5.4 "Signed refusals": a refusal of an envelope that names its device and bundle carries
   * `error.statement` for that device, `request_nonce` null, whose `answer_sha256` covers the bundle
   * id, the code and the envelope as pushed. A terminal takes a refusal as final only on this.
   */
  function verifyRefusal(
    error: { code: string; statement?: Record<string, unknown> },
    envelope: { device_id: string; bundle_id: string },
    trusted: KeyObject,
  ) {
    expect(error.statement, `${error.code} is signed`).toBeDefined();
    verifyStatement(error.statement!, trusted, envelope.device_id, null);
    const envelopeSha256 = sha256(canonical(envelope)).toString('hex');
    expect(error.statement!.answer_sha256).toBe(
      sha256(
        canonical({ bundle_id: envelope.bundle_id, code: error.code, envelope_sha256: envelopeSha256 }),
      ).toString('hex'),
    );
  }

  async function push(envelope: unknown) {
    const res = await fetch(`${server.url}/offline/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(envelope),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  }

  /** §3.1: fresh keys, a device id of our choosing, the request signed with the key it registers. */
  async function enroll(oneTimeCode: string, country = 'SN') {
    const deviceId = `DOC-TERMINAL-${randomUUID().slice(0, 8)}`;
    const ed = generateKeyPairSync('ed25519');
    const x = generateKeyPairSync('x25519');
    const requestNonce = b64u(randomBytes(16));
    const enrollBody = JSON.stringify({
      code: oneTimeCode.toLowerCase().replace(/-/g, ' '),
      device_id: deviceId,
      pubkey_pem: ed.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      x25519_pub: x.publicKey.export({ format: 'jwk' }).x,
      fingerprint: `fp-${randomBytes(8).toString('hex')}`,
      request_nonce: requestNonce,
    });
    const enrolled = await fetch(`${server.url}/offline/enroll`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signedHeaders(deviceId, ed.privateKey, 'POST', '/offline/enroll', enrollBody),
      },
      body: enrollBody,
    });
    expect(enrolled.status).toBe(201);
    const answer = (await enrolled.json()) as {
      server: { signing_public_key_pem: string; hpke_public_key: string };
      statement: Record<string, unknown> & { hpke: { public_key: string; key_id: string } };
    };
    // No key in this build: the enrollment answer's own signing key is pinned (§3.1 step 3).
    const serverKey = createPublicKey(answer.server.signing_public_key_pem);
    verifyStatement(answer.statement, serverKey, deviceId, requestNonce);
    expect(answer.statement.hpke.public_key).toBe(answer.server.hpke_public_key);
    expect(answer.statement.hpke.key_id).toBe(hpkeKeyId(answer.server.hpke_public_key));
    if (country === 'SN') expect(answer.statement.policy).toMatchObject({ country: 'SN', currency: 'XOF' });
    else expect(answer.statement.policy).toBeNull();
    return { deviceId, ed, serverKey, hpkeKey: answer.server.hpke_public_key };
  }

  it('enrolls with a code, pushes a bundle that is accepted and reconciled, and meets the refusals', async () => {
    const { deviceId, ed, serverKey, hpkeKey } = await enroll(code);

    // §5.1-5.4: one sale, one bundle, pushed.
    const now = () => new Date().toISOString();
    const sale1 = cashSale(deviceId, 1, GENESIS, new Date(Date.now() - 1000).toISOString());
    const first = await buildBundle({
      deviceId,
      deviceKey: ed.privateKey,
      serverHpkeKey: hpkeKey,
      sales: [sale1],
      prevChainHead: GENESIS,
      now: now(),
    });
    const accepted = await push(first.envelope);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body).toMatchObject({
      success: true,
      bundle_id: first.payload.bundle_id,
      status: 'accepted',
      duplicate: false,
    });
    // §5.4 "Push answers": the statement binds the answer to the bundle.
    verifyStatement(accepted.body.statement, serverKey, deviceId, null);
    const { bundle_id, status, reasons } = accepted.body;
    expect(accepted.body.statement.answer_sha256).toBe(
      sha256(canonical({ bundle_id, status, reasons })).toString('hex'),
    );
    // The same bytes again: the first answer, as a duplicate.
    expect((await push(first.envelope)).body).toMatchObject({ status: 'accepted', duplicate: true });

    // The server's worker posts it to the ledger; the terminal follows the outcome (§5.4).
    await runOnce({ pool: server.pool });
    const path = `/offline/bundles/${first.payload.bundle_id}`;
    const outcome = await fetch(`${server.url}${path}`, {
      headers: signedHeaders(deviceId, ed.privateKey, 'GET', path, ''),
    });
    expect(outcome.status).toBe(200);
    expect(((await outcome.json()) as { bundle: { status: string } }).bundle.status).toBe('reconciled');

    // The refusals of §5.4, each with its documented status and code; nothing is stored by any.
    const head1 = b64u(sha256(canonical(sale1)));
    const next = (options: Partial<Parameters<typeof buildBundle>[0]> = {}) =>
      buildBundle({
        deviceId,
        deviceKey: ed.privateKey,
        serverHpkeKey: hpkeKey,
        sales: [cashSale(deviceId, 2, head1, new Date(Date.now() - 1000).toISOString())],
        prevChainHead: head1,
        now: now(),
        ...options,
      });
    const refusals: [string, Promise<{ envelope: Record<string, unknown> }>, number, string][] = [
      [
        'a key id the server does not hold',
        next({ serverKeyId: 'x25519:AAAAAAAAAAAAAAAAAAAAAA' }),
        422,
        'UNKNOWN_SERVER_KEY',
      ],
      [
        'a device clock an hour ahead',
        next({ deviceClock: new Date(Date.now() + 3_600_000).toISOString() }),
        422,
        'CLOCK_SKEW',
      ],
      ['the nonce of the accepted bundle', next({ nonce: first.envelope.nonce }), 409, 'REPLAYED_NONCE'],
      [
        'seq 1 again in another bundle',
        buildBundle({
          deviceId,
          deviceKey: ed.privateKey,
          serverHpkeKey: hpkeKey,
          sales: [cashSale(deviceId, 1, GENESIS, new Date(Date.now() - 1000).toISOString())],
          prevChainHead: GENESIS,
          now: now(),
        }),
        409,
        'SEQUENCE_CONFLICT',
      ],
    ];
    const doc = readFileSync(fileURLToPath(new URL('../../docs/protocol.md', import.meta.url)), 'utf8');
    for (const [what, built, statusCode, errorCode] of refusals) {
      // What the terminal expects is what the document's refusal table says.
      expect(doc).toMatch(new RegExp(`\\| ${statusCode} +\\| \`${errorCode}\` +\\|`));
      const { envelope } = await built;
      const res = await push(envelope);
      expect({ what, status: res.status, code: res.body.error?.code }).toEqual({
        what,
        status: statusCode,
        code: errorCode,
      });
      verifyRefusal(res.body.error, envelope as { device_id: string; bundle_id: string }, serverKey);
    }
    const forged = (await next()).envelope;
    const reSigned = { ...forged, signature: signJson(generateKeyPairSync('ed25519').privateKey, forged) };
    const res = await push(reSigned);
    expect({ status: res.status, code: res.body.error?.code }).toEqual({
      status: 401,
      code: 'INVALID_SIGNATURE',
    });
    // Signed too, but for the envelope the server got: it does not fit the terminal's own one.
    verifyRefusal(res.body.error, reSigned as { device_id: string; bundle_id: string }, serverKey);
    expect(res.body.error.statement.answer_sha256).not.toBe(
      sha256(
        canonical({
          bundle_id: forged.bundle_id,
          code: 'INVALID_SIGNATURE',
          envelope_sha256: sha256(canonical(forged)).toString('hex'),
        }),
      ).toString('hex'),
    );

    // After every refusal, the next bundle in the chain is still accepted.
    expect((await push((await next()).envelope)).body).toMatchObject({
      status: 'accepted',
      duplicate: false,
    });
  });

  it("meets every other refusal of the document's table with its status and code", async () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/protocol.md', import.meta.url)), 'utf8');
    const met = new Set<string>();
    /** Sends `body` as is and checks the answer is the table's row for `errorCode`. */
    async function refused(
      what: string,
      body: string,
      statusCode: number,
      errorCode: string,
      headers: Record<string, string> = {},
    ) {
      expect(doc).toMatch(new RegExp(`\\| ${statusCode} +\\| \`${errorCode}\` +\\|`));
      const res = await fetch(`${server.url}/offline/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      const answer = (await res.json()) as {
        error?: { code: string; statement?: Record<string, unknown> };
      };
      expect({ what, status: res.status, code: answer.error?.code }).toEqual({
        what,
        status: statusCode,
        code: errorCode,
      });
      // The route's refusals of a JSON envelope naming its device and bundle are signed (§5.4); what
      // the HTTP layer refuses before reading one (or a body it does not read) cannot be.
      const envelope = (() => {
        try {
          return JSON.parse(body) as { device_id?: unknown; bundle_id?: unknown };
        } catch {
          return null;
        }
      })();
      const named =
        typeof envelope?.device_id === 'string' &&
        typeof envelope.bundle_id === 'string' &&
        headers['content-type'] === undefined;
      if (named)
        verifyRefusal(answer.error!, envelope as { device_id: string; bundle_id: string }, serverKey);
      else expect(answer.error?.statement, `${what}: unsigned`).toBeUndefined();
      met.add(errorCode);
    }
    const { deviceId, ed, hpkeKey, serverKey } = await enroll(await issueCode());
    const now = () => new Date().toISOString();
    const sale = (createdAt = new Date(Date.now() - 1000), currency = 'XOF') =>
      cashSale(deviceId, 1, GENESIS, createdAt.toISOString(), currency);
    const bundle = async (options: Partial<Parameters<typeof buildBundle>[0]> = {}) =>
      JSON.stringify(
        (
          await buildBundle({
            deviceId,
            deviceKey: ed.privateKey,
            serverHpkeKey: hpkeKey,
            sales: [sale()],
            prevChainHead: GENESIS,
            now: now(),
            ...options,
          })
        ).envelope,
      );

    // The HTTP layer's four.
    await refused('not JSON', '{"v": 1', 400, 'INVALID_JSON');
    await refused('nested 65 deep', `${'['.repeat(65)}${']'.repeat(65)}`, 400, 'JSON_TOO_DEEP');
    await refused('50,001 values', `[${'0,'.repeat(50_000)}0]`, 413, 'PAYLOAD_TOO_LARGE');
    await refused('latin-1 JSON', await bundle(), 415, 'UNSUPPORTED_MEDIA_TYPE', {
      'content-type': 'application/json; charset=latin1',
    });
    // Found by this terminal: a body of another media type is not read at all (the document said 415).
    await refused('text/plain', await bundle(), 400, 'INVALID_BUNDLE', { 'content-type': 'text/plain' });
    // §5.3's opening steps.
    const good = JSON.parse(await bundle()) as Record<string, unknown>;
    await refused(
      'a field the envelope has not',
      JSON.stringify({ ...good, extra: 1 }),
      400,
      'INVALID_BUNDLE',
    );
    const stranger = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x!;
    await refused('sealed to another key', await bundle({ sealTo: stranger }), 400, 'DECRYPTION_FAILED');
    await refused(
      'header and payload',
      await bundle({ headerBundleId: randomUUID() }),
      400,
      'BUNDLE_MISMATCH',
    );
    // The transaction's checks.
    await refused(
      'a sale in euros',
      await bundle({ sales: [sale(undefined, 'EUR')] }),
      422,
      'CURRENCY_NOT_ALLOWED',
    );
    const old = new Date(Date.now() - 73 * 3_600_000);
    await refused('a sale 73 hours old', await bundle({ sales: [sale(old)] }), 422, 'BUNDLE_TOO_OLD');
    // §5.1: a QR tender carries the customer's QR as the till verified it.
    const qrPaid = {
      ...sale(),
      tenders: [{ type: 'qr', amount_minor: sale().total_minor, qr: { payer_ref: 'wallet-7' } }],
    };
    await refused('a QR tender without its text', await bundle({ sales: [qrPaid] }), 422, 'QR_TEXT_REQUIRED');
    const accepted = await fetch(`${server.url}/offline/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(good),
    });
    expect(accepted.status).toBe(200);
    const other = JSON.parse(await bundle({ bundleId: good.bundle_id as string })) as unknown;
    await refused('its bundle id with other content', JSON.stringify(other), 409, 'BUNDLE_ID_REUSED');
    await server.call('POST', '/offline/policies', {
      token: admin.token,
      body: { ...snPolicy, enabled: false },
    });
    await refused('payments disabled in SN', await bundle({ sales: [sale()] }), 403, 'POLICY_DISABLED');
    await server.call('POST', '/offline/policies', { token: admin.token, body: snPolicy });

    // A till of a country without a policy.
    const ml = await enroll(await issueCode('ML'), 'ML');
    const mlBundle = await buildBundle({
      deviceId: ml.deviceId,
      deviceKey: ml.ed.privateKey,
      serverHpkeKey: ml.hpkeKey,
      sales: [cashSale(ml.deviceId, 1, GENESIS, new Date(Date.now() - 1000).toISOString())],
      prevChainHead: GENESIS,
      now: now(),
    });
    await refused('no policy for ML', JSON.stringify(mlBundle.envelope), 403, 'POLICY_MISSING');

    // A laptop its user registered (§3.2) is no terminal.
    const student = await server.user(`student-${randomUUID()}@school.test`, ['student']);
    const laptop = { id: `LAPTOP-${randomUUID().slice(0, 8)}`, ...generateKeyPairSync('ed25519') };
    const registered = await server.call('POST', '/api/v1/offline/devices', {
      token: student.token,
      body: {
        device_id: laptop.id,
        fingerprint: `fp-${randomBytes(8).toString('hex')}`,
        name: 'Laptop',
        platform: 'linux',
        pubkey_pem: laptop.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        x25519_pub: generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }).x,
      },
    });
    expect(registered.status).toBe(201);
    const laptopBundle = await buildBundle({
      deviceId: laptop.id,
      deviceKey: laptop.privateKey,
      serverHpkeKey: hpkeKey,
      sales: [cashSale(laptop.id, 1, GENESIS, new Date(Date.now() - 1000).toISOString())],
      prevChainHead: GENESIS,
      now: now(),
    });
    await refused('a laptop', JSON.stringify(laptopBundle.envelope), 403, 'DEVICE_NOT_TERMINAL');

    // Revoked by the operator: its next bundle, correctly signed, is refused.
    const revoked = await server.call('POST', `/offline/tills/${encodeURIComponent(deviceId)}/revoke`, {
      token: admin.token,
      body: { reason: 'stolen' },
    });
    expect(revoked.status).toBe(200);
    await refused('a revoked till', await bundle({ sales: [sale()] }), 404, 'DEVICE_NOT_FOUND');

    // With the first test's five, every row of the table but throttling (429, the next test) has been met.
    const table = [...doc.matchAll(/^\| \d{3} +\| `([A-Z_]+)` +\|/gm)].map((m) => m[1]!);
    const first = [
      'UNKNOWN_SERVER_KEY',
      'CLOCK_SKEW',
      'REPLAYED_NONCE',
      'SEQUENCE_CONFLICT',
      'INVALID_SIGNATURE',
    ];
    expect(table.filter((c) => !met.has(c) && !first.includes(c))).toEqual(['TOO_MANY_REQUESTS']);
  });

  it('is told to wait with 429 TOO_MANY_REQUESTS and Retry-After once its address sent too many refused pushes', async () => {
    // The operator's server, with its limit of refused pushes per address lowered to 2.
    const strict = await startTestServer({
      throttleLimits: { ...THROTTLE_LIMITS, pushFailuresPerAddress: { points: 2, seconds: 600 } },
    });
    try {
      const junk = () =>
        fetch(`${strict.url}/offline/push`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
      expect((await junk()).status).toBe(400);
      expect((await junk()).status).toBe(400);
      const res = await junk();
      const answer = (await res.json()) as {
        error: { code: string; details: { retry_after_seconds: number } };
      };
      expect({ status: res.status, code: answer.error.code }).toEqual({
        status: 429,
        code: 'TOO_MANY_REQUESTS',
      });
      expect(Number(res.headers.get('retry-after'))).toBe(answer.error.details.retry_after_seconds);
    } finally {
      await strict.close();
    }
  });
});
