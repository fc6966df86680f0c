import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  BundleEnvelope,
  bundleAad,
  openBundle,
  Sale,
  saleHash,
  saleRuleIssues,
  serverKeyId,
} from '../../protocol/bundle';
import {
  canonicalBytes,
  importPrivateKey,
  importPublicKey,
  publicKeyPem,
  publicKeyRaw,
  verifyRequestSignature,
} from '../../protocol/crypto';
import { importHpkePrivateKey } from '../../protocol/hpke';
import { pullAnswerSha256, pushAnswerSha256 } from '../../protocol/http/payments';
import { pushRefusalSha256 } from '../../protocol/http/push-refusal';
import { unwrapCek, verifyLicence, verifyServerStatement } from '../../protocol/licence';
import { issuerListSha256 } from '../../protocol/qr/issuer-list';
import { readPaymentRequest, requestRefPayee, verifyTokenSignature } from '../../protocol/qr';
import { formattedTestVectors } from './test-vectors';

/**
 * The published vectors (docs/test-vectors/, docs/protocol.md "Test vectors") against the code that
 * runs in production: each file is the generator's bytes, and every value in it verifies, opens or
 * hashes as the file says with the server's and the app's own functions.
 */
const dir = fileURLToPath(new URL('../../docs/test-vectors/', import.meta.url));
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const load = async (name: string): Promise<Any> => JSON.parse(await readFile(`${dir}${name}`, 'utf8')) as Any;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('docs/test-vectors', () => {
  it('are what `npm run docs:api` generates: a changed byte in our encoding changes a file and fails here', async () => {
    for (const [name, text] of Object.entries(await formattedTestVectors()))
      expect(await readFile(`${dir}${name}`, 'utf8'), name).toBe(text);
  });

  it('keys: each public key and key id follows from its private key', async () => {
    const keys = await load('keys.json');
    for (const k of ['device_ed25519', 'server_ed25519', 'wallet_ed25519']) {
      const priv = importPrivateKey(Buffer.from(keys[k].pkcs8_der_hex, 'hex'));
      const pub = importPublicKey(keys[k].public_spki_pem);
      expect(publicKeyRaw(pub).toString('base64url'), k).toBe(keys[k].public_raw_b64u);
      expect(publicKeyPem(pub), k).toBe(keys[k].public_spki_pem);
      expect(keys[k].pkcs8_der_hex.endsWith(keys[k].seed_hex)).toBe(true);
      expect(priv.asymmetricKeyType).toBe('ed25519');
    }
    for (const k of ['device_x25519', 'server_x25519'])
      expect(importHpkePrivateKey(Buffer.from(keys[k].private_hex, 'hex')).publicKey, k).toBe(
        keys[k].public_b64u,
      );
    expect(serverKeyId(keys.server_x25519.public_b64u)).toBe(keys.server_x25519.server_key_id);
    expect(keys.server_ed25519.public_raw_b64u.slice(0, 16)).toBe(keys.server_ed25519.server_key_id);
  });

  it('request signature: canonical bytes and a signature the server verifies', async () => {
    const [keys, v] = [await load('keys.json'), await load('request-signature.json')];
    expect(hex(canonicalBytes(v.signed_object))).toBe(v.canonical_hex);
    const fields = {
      method: v.request.method,
      path: v.request.path,
      body: Buffer.from(v.request.body_hex, 'hex'),
      deviceId: v.request.device_id,
      timestamp: v.request.timestamp,
      nonce: v.request.nonce,
    };
    const pub = importPublicKey(keys.device_ed25519.public_spki_pem);
    expect(verifyRequestSignature(pub, fields, v.signature_b64u)).toBe(true);
    expect(verifyRequestSignature(pub, { ...fields, path: `${fields.path}x` }, v.signature_b64u)).toBe(false);

    // The same with a body: the hash is over the exact bytes, so one changed byte fails.
    const post = v.post;
    expect(hex(canonicalBytes(post.signed_object))).toBe(post.canonical_hex);
    const body = Buffer.from(post.request.body_hex, 'hex');
    const postFields = {
      ...fields,
      method: 'POST',
      path: post.request.path,
      body,
      nonce: post.request.nonce,
    };
    expect(verifyRequestSignature(pub, postFields, post.signature_b64u)).toBe(true);
    const changed = Buffer.from(body);
    changed[changed.length - 2]! ^= 1;
    expect(verifyRequestSignature(pub, { ...postFields, body: changed }, post.signature_b64u)).toBe(false);
  });

  it('answers: each digest is what the terminal recomputes, each statement verifies, and an edit fails both', async () => {
    const [keys, v] = [await load('keys.json'), await load('answers.json')];
    const serverPublicKey = importPublicKey(keys.server_ed25519.public_spki_pem);
    const verify = (statement: unknown, requestNonce: string | null) =>
      verifyServerStatement(statement, { serverPublicKey, deviceId: keys.device_id, requestNonce });
    const unsignedHex = (st: Any) => {
      const { signature: _signature, ...unsigned } = st;
      return hex(canonicalBytes(unsigned));
    };

    expect(pullAnswerSha256(v.pull.page)).toBe(v.pull.answer_sha256);
    expect(hex(canonicalBytes(v.pull.page))).toBe(v.pull.covered_canonical_hex);
    expect(verify(v.pull.statement, v.pull.request_nonce)).toMatchObject({
      answer_sha256: v.pull.answer_sha256,
    });
    expect(unsignedHex(v.pull.statement)).toBe(v.pull.statement_unsigned_canonical_hex);
    const cheaper = { ...v.pull.page, catalog: [{ ...v.pull.page.catalog[0], price_minor: 1 }] };
    expect(pullAnswerSha256(cheaper)).not.toBe(v.pull.answer_sha256);

    expect(pushAnswerSha256(v.push.answer)).toBe(v.push.answer_sha256);
    expect(hex(canonicalBytes(v.push.answer))).toBe(v.push.covered_canonical_hex);
    expect(verify(v.push.statement, null)).toMatchObject({ answer_sha256: v.push.answer_sha256 });

    expect(issuerListSha256(v.qr_issuers.qr_issuers)).toBe(v.qr_issuers.answer_sha256);
    expect(hex(canonicalBytes({ qr_issuers: v.qr_issuers.qr_issuers }))).toBe(
      v.qr_issuers.covered_canonical_hex,
    );
    expect(verify(v.qr_issuers.statement, v.qr_issuers.request_nonce)).toMatchObject({
      answer_sha256: v.qr_issuers.answer_sha256,
    });

    expect(verify(v.online_authorisation.statement, v.online_authorisation.request_nonce)).toMatchObject({
      online_authorisation: v.online_authorisation.authorisation,
    });
    expect(unsignedHex(v.online_authorisation.statement)).toBe(
      v.online_authorisation.statement_unsigned_canonical_hex,
    );

    // A statement with one field changed, or for another request, is refused.
    expect(() => verify({ ...v.push.statement, answer_sha256: v.pull.answer_sha256 }, null)).toThrow();
    expect(() => verify(v.pull.statement, v.qr_issuers.request_nonce)).toThrow();
  });

  it('sale: schema, rules, canonical bytes and hash', async () => {
    const v = await load('sale.json');
    const sale = Sale.parse(v.sale);
    expect(saleRuleIssues(sale)).toEqual([]);
    expect(hex(canonicalBytes(sale))).toBe(v.canonical_hex);
    expect(saleHash(sale)).toBe(v.sale_hash_b64u);
  });

  it('bundle: the server opens the envelope to the payload, and refuses it with one byte changed', async () => {
    const [keys, v, sale] = [await load('keys.json'), await load('bundle.json'), await load('sale.json')];
    const envelope = BundleEnvelope.parse(v.envelope);
    expect(hex(bundleAad(envelope))).toBe(v.aad_canonical_hex);
    expect(hex(canonicalBytes(v.payload))).toBe(v.payload_canonical_hex);
    expect(envelope.chain_head).toBe(sale.sale_hash_b64u);
    const openKeys = {
      devicePublicKey: importPublicKey(keys.device_ed25519.public_spki_pem),
      serverPrivateKey: new Uint8Array(Buffer.from(keys.server_x25519.private_hex, 'hex')),
    };
    const opened = await openBundle(v.envelope, openKeys);
    expect(opened.payload).toEqual(v.payload);
    expect(opened.invalidSales).toEqual([]);
    const ct = Buffer.from(v.envelope.encrypted_payload, 'base64url');
    ct[0]! ^= 1;
    await expect(
      openBundle({ ...v.envelope, encrypted_payload: ct.toString('base64url') }, openKeys),
    ).rejects.toMatchObject({ code: 'INVALID_SIGNATURE' });
  });

  it('push-refusal: the statement verifies with the server key and covers this bundle, code and envelope', async () => {
    const [keys, bundle, v] = [
      await load('keys.json'),
      await load('bundle.json'),
      await load('push-refusal.json'),
    ];
    const { envelope } = bundle;
    const envelopeSha256 = hex(createHash('sha256').update(canonicalBytes(envelope)).digest());
    const input = { bundle_id: envelope.bundle_id, code: v.error.code, envelope_sha256: envelopeSha256 };
    expect(hex(canonicalBytes(input))).toBe(v.answer_input_canonical_hex);
    expect(hex(createHash('sha256').update(canonicalBytes(input)).digest())).toBe(v.answer_sha256);
    expect(pushRefusalSha256({ bundle_id: envelope.bundle_id, code: v.error.code, envelope })).toBe(
      v.answer_sha256,
    );
    const statement = verifyServerStatement(v.error.statement, {
      serverPublicKey: importPublicKey(keys.server_ed25519.public_spki_pem),
      deviceId: envelope.device_id,
      requestNonce: null,
    });
    expect(statement.answer_sha256).toBe(v.answer_sha256);
    // Another code, or a byte of another envelope, is another digest: the till would not believe it.
    expect(pushRefusalSha256({ bundle_id: envelope.bundle_id, code: 'INVALID_BUNDLE', envelope })).not.toBe(
      v.answer_sha256,
    );
    expect(
      pushRefusalSha256({
        bundle_id: envelope.bundle_id,
        code: v.error.code,
        envelope: { ...envelope, v: 2 },
      }),
    ).not.toBe(v.answer_sha256);
  });

  it('qr: the wallet reads the request, the till verifies the token and its payee', async () => {
    const [keys, v] = [await load('keys.json'), await load('qr.json')];
    const now = Date.parse(v.request.created_at);
    expect(
      readPaymentRequest(v.request_text, importPublicKey(keys.device_ed25519.public_spki_pem), now),
    ).toEqual(v.request);
    const issuer = {
      issuer_id: keys.wallet_ed25519.issuer_id,
      key_id: keys.wallet_ed25519.key_id,
      name: 'Test wallet',
      public_key: keys.wallet_ed25519.public_raw_b64u,
    };
    expect(verifyTokenSignature(v.token_text, [issuer])).toEqual(v.token);
    expect(requestRefPayee(v.token.request_ref, keys.device_id)).toBe('device');
    expect(hex(Buffer.from(v.token_text.slice('OUTPOST1:'.length).split('.')[0], 'base64url'))).toBe(
      v.token_canonical_hex,
    );
  });

  it('licence: verifies against the server key and its CEK unwraps with the device key', async () => {
    const [keys, v] = [await load('keys.json'), await load('licence.json')];
    const licence = verifyLicence(v.licence, {
      serverPublicKey: importPublicKey(keys.server_ed25519.public_spki_pem),
      deviceId: 'laptop-7',
    });
    const cek = await unwrapCek(licence, new Uint8Array(Buffer.from(keys.device_x25519.private_hex, 'hex')));
    expect(hex(cek)).toBe(v.cek_hex);
    const { signature: _signature, ...unsigned } = v.licence;
    expect(hex(canonicalBytes(unsigned))).toBe(v.unsigned_canonical_hex);
  });
});
