import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import {
  BUNDLE_HPKE_INFO,
  bundleAad,
  GENESIS_HASH,
  saleHash,
  serverKeyId,
  signedEnvelope,
  type BundleEnvelope,
  type BundleHeader,
  type Sale,
} from '../../protocol/bundle';
import { canonicalBytes, publicKeyPem, publicKeyRaw, signCanonical } from '../../protocol/crypto';
import { bodyHash } from '../../protocol/crypto/request-signature';
import { hpkeSuite, importHpkePrivateKey, HPKE_SUITE } from '../../protocol/hpke';
import { pullAnswerSha256, pushAnswerSha256 } from '../../protocol/http/payments';
import { pushRefusalSha256 } from '../../protocol/http/push-refusal';
import { cekAad, LICENCE_HPKE_INFO, signServerStatement, type Licence } from '../../protocol/licence';
import { encodeSigned, payeeTag, type PaymentRequest, type PaymentToken } from '../../protocol/qr';
import { issuerListSha256 } from '../../protocol/qr/issuer-list';

/**
 * docs/test-vectors/*.json (issue #20): fixed keys and inputs, and what our code makes of them, byte
 * for byte, so a terminal written from docs/protocol.md alone can check each step. Everything random
 * in the protocol (keys, nonces, ids, the HPKE ephemeral key) is fixed here; the HPKE ephemeral key
 * is derived from `ikmE` with RFC 9180 DeriveKeyPair, as the RFC's own vectors do. Written by
 * `npm run docs:api`; server/routes/test-vectors.test.ts checks the files are these bytes and
 * verifies every vector with the code that runs in production.
 */

const PKCS8_ED25519 = '302e020100300506032b657004220420';
const PKCS8_X25519 = '302e020100300506032b656e04220420';
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b);

/** A fixed 32-byte seed per key: SHA-256 of its label, so the vectors say where every byte comes from. */
const seed = (label: string) => sha256(Buffer.from(`outpost test vector ${label}`)).digest();

function ed25519(label: string) {
  const s = seed(label);
  const privateKey = createPrivateKey({
    key: Buffer.from(PKCS8_ED25519 + hex(s), 'hex'),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    json: {
      seed_label: label,
      seed_hex: hex(s),
      pkcs8_der_hex: PKCS8_ED25519 + hex(s),
      public_raw_b64u: b64u(publicKeyRaw(publicKey)),
      public_spki_pem: publicKeyPem(publicKey),
    },
  };
}

function x25519(label: string) {
  const s = seed(label);
  const pair = importHpkePrivateKey(new Uint8Array(s));
  return {
    privateKey: pair.privateKey,
    publicKey: pair.publicKey,
    json: {
      seed_label: label,
      private_hex: hex(s),
      pkcs8_der_hex: PKCS8_X25519 + hex(s),
      public_b64u: pair.publicKey,
    },
  };
}

/** HPKE base-mode seal (one message) with the ephemeral key derived from `ikmE`. */
async function sealFixed(
  recipient: string,
  ikmE: Uint8Array,
  info: string,
  aad: Uint8Array,
  plaintext: Uint8Array,
) {
  const sender = await hpkeSuite.createSenderContext({
    recipientPublicKey: await hpkeSuite.kem.deserializePublicKey(Buffer.from(recipient, 'base64url')),
    info: Buffer.from(info),
    ekm: ikmE,
  });
  const ciphertext = new Uint8Array(await sender.seal(plaintext, aad));
  return { enc: b64u(new Uint8Array(sender.enc)), ciphertext };
}

const DEVICE_ID = 'POS-001';
const NOW = '2025-01-15T12:00:00.000Z';
const NOW_MS = Date.parse(NOW);

export interface TestVectors {
  [file: string]: Record<string, unknown>;
}

export async function generateTestVectors(): Promise<TestVectors> {
  const device = ed25519('device ed25519');
  const deviceX = x25519('device x25519');
  const serverHpke = x25519('server x25519');
  const serverSigning = ed25519('server ed25519');
  const wallet = ed25519('wallet ed25519');
  const signingKid = b64u(publicKeyRaw(serverSigning.publicKey)).slice(0, 16);

  const keys = {
    description:
      'Fixed keys of every vector. Ed25519 keys: the 32-byte seed (RFC 8032 private key), the same as PKCS#8 DER, the raw public key (base64url) and SPKI PEM. X25519 keys: the raw 32-byte private key (RFC 7748) and public key. Each seed is SHA-256 of "outpost test vector <label>".',
    device_id: DEVICE_ID,
    device_ed25519: device.json,
    device_x25519: deviceX.json,
    server_x25519: { ...serverHpke.json, server_key_id: serverKeyId(serverHpke.publicKey) },
    server_ed25519: { ...serverSigning.json, server_key_id: signingKid },
    wallet_ed25519: { ...wallet.json, issuer_id: 'test-wallet', key_id: 'k1' },
  };

  // §3: a device-signed request (GET, empty body).
  const path = '/offline/sync/payments?since=0&request_nonce=AAECAwQFBgcICQoLDA0ODw';
  const requestNonce = b64u(seed('request nonce').subarray(0, 16));
  const signedRequest = {
    v: 1,
    method: 'GET',
    path,
    body: bodyHash(new Uint8Array(0)),
    device: DEVICE_ID,
    ts: String(NOW_MS),
    nonce: requestNonce,
  };
  const requestBytes = canonicalBytes(signedRequest);
  const requestSignature: Record<string, unknown> = {
    description:
      'docs/protocol.md §3: the object a device signs for an HTTP request, its canonical JSON (RFC 8785) and the Ed25519 signature sent in x-outpost-signature; `post` is the same for a request with a JSON body (the body hash is over the exact bytes sent).',
    request: {
      method: 'GET',
      path,
      body_hex: '',
      device_id: DEVICE_ID,
      timestamp: String(NOW_MS),
      nonce: requestNonce,
    },
    body_sha256_b64u: bodyHash(new Uint8Array(0)),
    signed_object: signedRequest,
    canonical_hex: hex(requestBytes),
    signature_b64u: signCanonical(device.privateKey, signedRequest),
    headers: {
      'x-outpost-device': DEVICE_ID,
      'x-outpost-timestamp': String(NOW_MS),
      'x-outpost-nonce': requestNonce,
      'x-outpost-signature': signCanonical(device.privateKey, signedRequest),
    },
  };

  // §3 again, for a request with a body: the check-in (POST, JSON body).
  const postBody = Buffer.from(
    JSON.stringify({ request_nonce: b64u(seed('check-in nonce').subarray(0, 16)) }),
  );
  const postNonce = b64u(seed('post request nonce').subarray(0, 16));
  const signedPost = {
    v: 1,
    method: 'POST',
    path: '/offline/devices/check-in',
    body: bodyHash(new Uint8Array(postBody)),
    device: DEVICE_ID,
    ts: String(NOW_MS),
    nonce: postNonce,
  };
  requestSignature.post = {
    request: {
      method: 'POST',
      path: signedPost.path,
      body_hex: hex(postBody),
      device_id: DEVICE_ID,
      timestamp: String(NOW_MS),
      nonce: postNonce,
    },
    body_sha256_b64u: signedPost.body,
    signed_object: signedPost,
    canonical_hex: hex(canonicalBytes(signedPost)),
    signature_b64u: signCanonical(device.privateKey, signedPost),
  };

  // §5.1-5.2: one sale, chained after the genesis hash.
  const sale: Sale = {
    sale_id: '0b6f3c1e-7a52-4c1d-9a57-3f0d2c8e1a44',
    device_id: DEVICE_ID,
    seq: 1,
    prev_hash: GENESIS_HASH,
    kind: 'sale',
    created_at: '2025-01-15T11:58:02.120Z',
    online: false,
    currency: 'XOF',
    lines: [
      {
        sku: '6044000123456',
        name: 'Riz parfumé 1 kg',
        qty: 2,
        unit_price_minor: 500,
        discount_minor: 100,
        tax_minor: 90,
        total_minor: 990,
      },
    ],
    tenders: [{ type: 'cash', amount_minor: 1000, change_minor: 10 }],
    total_minor: 990,
  };
  const saleVector = {
    description:
      'docs/protocol.md §5.1-5.2: a sale, its canonical JSON (note the é as two UTF-8 bytes, c3 a9) and saleHash = base64url(SHA-256(canonical bytes)), which is the next sale’s prev_hash and, for the last sale of a bundle, chain_head.',
    sale,
    canonical_hex: hex(canonicalBytes(sale)),
    sale_hash_b64u: saleHash(sale),
  };

  // §5.3: the bundle carrying that sale.
  const bundleId = '4c362797-2eb9-4f37-b43a-0184518fa941';
  const payload = {
    v: 1,
    bundle_id: bundleId,
    device_id: DEVICE_ID,
    created_at: NOW,
    seq_from: 1,
    seq_to: 1,
    prev_chain_head: GENESIS_HASH,
    chain_head: saleHash(sale),
    sales: [sale],
  };
  const ikmE = seed('bundle hpke ikmE');
  const enc = b64u(
    new Uint8Array(
      await hpkeSuite.kem.serializePublicKey((await hpkeSuite.kem.deriveKeyPair(ikmE)).publicKey),
    ),
  );
  const header: BundleHeader = {
    v: 1,
    device_id: DEVICE_ID,
    bundle_id: bundleId,
    device_clock: NOW,
    nonce: b64u(seed('bundle nonce').subarray(0, 16)),
    seq_from: 1,
    seq_to: 1,
    chain_head: saleHash(sale),
    sales_count: 1,
    hpke: {
      kem_id: HPKE_SUITE.kem_id,
      kdf_id: HPKE_SUITE.kdf_id,
      aead_id: HPKE_SUITE.aead_id,
      server_key_id: serverKeyId(serverHpke.publicKey),
      enc,
    },
  };
  const aad = bundleAad(header);
  const sealed = await sealFixed(serverHpke.publicKey, ikmE, BUNDLE_HPKE_INFO, aad, canonicalBytes(payload));
  if (sealed.enc !== enc) throw new Error('HPKE enc is not the one derived from ikmE');
  const unsigned = signedEnvelope({ ...header, encrypted_payload: b64u(sealed.ciphertext) });
  const envelope: BundleEnvelope = { ...unsigned, signature: signCanonical(device.privateKey, unsigned) };
  const bundle = {
    description:
      'docs/protocol.md §5.3: the bundle of sale.json, sealed to keys.server_x25519 with the ephemeral key derived from hpke_ikmE_hex (RFC 9180 DeriveKeyPair), signed by keys.device_ed25519. Check your payload bytes, your aad (the canonical header) and, with the same ikmE, your enc and ciphertext; or open encrypted_payload with the server private key.',
    payload,
    payload_canonical_hex: hex(canonicalBytes(payload)),
    header,
    aad_canonical_hex: hex(aad),
    hpke_info: BUNDLE_HPKE_INFO,
    hpke_ikmE_hex: hex(ikmE),
    hpke_enc_b64u: sealed.enc,
    ciphertext_b64u: b64u(sealed.ciphertext),
    signed_canonical_sha256_hex: sha256(canonicalBytes(unsigned)).digest('hex'),
    envelope,
  };

  // §5.5: the till's payment request and the customer's token that pays it.
  const ref = `r1.${payeeTag(DEVICE_ID)}.${b64u(seed('request ref').subarray(0, 12))}`;
  const request: PaymentRequest = {
    v: 1,
    t: 'req',
    device_id: DEVICE_ID,
    ref,
    amount_minor: 990,
    currency: 'XOF',
    merchant: { type: 'merchant', id: 'shop-42' },
    created_at: NOW,
    expires_at: new Date(NOW_MS + 15 * 60_000).toISOString(),
    nonce: b64u(seed('qr request nonce').subarray(0, 16)),
  };
  const token: PaymentToken = {
    v: 1,
    t: 'pay',
    issuer_id: 'test-wallet',
    key_id: 'k1',
    payer_ref: 'wallet-payer-7',
    amount_minor: 990,
    currency: 'XOF',
    request_ref: ref,
    created_at: new Date(NOW_MS + 30_000).toISOString(),
    expires_at: new Date(NOW_MS + 30_000 + 10 * 60_000).toISOString(),
    nonce: b64u(seed('qr token nonce').subarray(0, 16)),
  };
  const qr = {
    description:
      'docs/protocol.md §5.5: a payment request signed by keys.device_ed25519 and the customer token paying it, signed by keys.wallet_ed25519. text = "OUTPOST1:" + base64url(canonical JSON) + "." + base64url(Ed25519 signature over those bytes). The ref’s tag is the first 16 characters of base64url(SHA-256("outpost-qr-payee\\n" + device_id)).',
    payee_tag_input: `outpost-qr-payee\n${DEVICE_ID}`,
    payee_tag: payeeTag(DEVICE_ID),
    request,
    request_canonical_hex: hex(canonicalBytes(request)),
    request_text: encodeSigned(request, device.privateKey),
    token,
    token_canonical_hex: hex(canonicalBytes(token)),
    token_text: encodeSigned(token, wallet.privateKey),
    tender: {
      type: 'qr',
      amount_minor: 990,
      qr: {
        payer_ref: token.payer_ref,
        signature: encodeSigned(token, wallet.privateKey).split('.')[1],
        text: encodeSigned(token, wallet.privateKey),
      },
    },
  };

  // §5.4 "Signed refusals": the server's refusal of that envelope, signed.
  const refusalInput = {
    bundle_id: envelope.bundle_id,
    code: 'SEQUENCE_CONFLICT',
    envelope_sha256: sha256(canonicalBytes(envelope)).digest('hex'),
  };
  const refusalSha256 = pushRefusalSha256({
    bundle_id: envelope.bundle_id,
    code: refusalInput.code,
    envelope,
  });
  const refusal = {
    description:
      'docs/protocol.md §5.4 "Signed refusals": a 409 SEQUENCE_CONFLICT refusing bundle.json\'s envelope. envelope_sha256 is SHA-256 of the canonical JSON of the envelope; answer_sha256 is SHA-256 of the canonical JSON of { bundle_id, code, envelope_sha256 }; error.statement is signed by keys.server_ed25519 (§6.1) for the envelope\'s device_id, request_nonce null.',
    status: 409,
    answer_input_canonical_hex: hex(canonicalBytes(refusalInput)),
    answer_sha256: refusalSha256,
    error: {
      code: refusalInput.code,
      message: 'Sales of this sequence range are already stored from another bundle',
      statement: signServerStatement(
        { privateKey: serverSigning.privateKey, kid: signingKid },
        {
          device_id: envelope.device_id,
          request_nonce: null,
          server_time: NOW,
          licences: [],
          answer_sha256: refusalSha256,
        },
      ),
    },
  };

  // §6: a licence for the device's X25519 key.
  const cek = seed('material cek');
  const ids = {
    licence_id: '2f1d7c1a-58a4-4b7e-9d25-0d5f3b7e9a10',
    material_id: 'mat-42',
    device_id: 'laptop-7',
  };
  const cekIkmE = seed('licence hpke ikmE');
  const cekAadBytes = canonicalBytes(cekAad(ids));
  const wrapped = await sealFixed(deviceX.publicKey, cekIkmE, LICENCE_HPKE_INFO, cekAadBytes, cek);
  const unsignedLicence: Omit<Licence, 'signature'> = {
    v: 1,
    ...ids,
    user_id: 'student-1',
    rights: { print: false, copy: false },
    issued_at: '2025-03-01T08:00:00.000Z',
    expires_at: '2025-03-31T08:00:00.000Z',
    offline_grace_hours: 72,
    nonce: b64u(seed('licence nonce').subarray(0, 16)),
    content: { manifest_sha256: b64u(sha256(Buffer.from('a manifest')).digest()) },
    cek: { enc: wrapped.enc, wrapped: b64u(wrapped.ciphertext) },
    server_key_id: signingKid,
  };
  const licence = {
    description:
      'docs/protocol.md §6: the CEK sealed to keys.device_x25519 (info outpost/cek/v1, aad = canonical JSON of { licence_id, material_id, device_id }, ephemeral key from hpke_ikmE_hex), then the licence signed by keys.server_ed25519 over the canonical JSON of every field but signature.',
    cek_hex: hex(cek),
    cek_aad_canonical_hex: hex(cekAadBytes),
    hpke_info: LICENCE_HPKE_INFO,
    hpke_ikmE_hex: hex(cekIkmE),
    unsigned_canonical_hex: hex(canonicalBytes(unsignedLicence)),
    licence: { ...unsignedLicence, signature: signCanonical(serverSigning.privateKey, unsignedLicence) },
  };

  // §5.4, §5.5, §5.6, §6.1: the server's signed statements over what a terminal applies.
  const serverKey = { privateKey: serverSigning.privateKey, kid: signingKid };
  const policy = {
    country: 'SN',
    currency: 'XOF',
    max_offline_amount: 500_000,
    max_offline_per_device_per_day: 200,
    max_unsynced_amount: 2_000_000,
    max_bundle_age_hours: 72,
    approval_threshold: 100_000,
    enabled: true,
    version: 3,
    updated_at: '2025-01-10T09:00:00.000Z',
  };
  const pullNonce = b64u(seed('pull request nonce').subarray(0, 16));
  const page = {
    catalog: [
      {
        sku: '6044000123456',
        barcode: '6044000123456',
        name: 'Riz parfumé 1 kg',
        price_minor: 500,
        currency: 'XOF',
        tax_rate_bp: 1800,
        active: true,
      },
    ],
    bundles: [
      {
        bundle_id: bundleId,
        status: 'accepted' as const,
        reasons: [
          {
            code: 'AMOUNT_NEAR_LIMIT' as const,
            weight: 0.05,
            detail: '1 sale(s) within 10 % of max_offline_amount',
          },
        ],
        updated_at: '2025-01-15T12:00:01.000Z',
      },
    ],
    cursor: '1834',
    more: false,
    last_seq: 1,
  };
  const pullDigest = pullAnswerSha256(page);
  const pushAnswer = { bundle_id: bundleId, status: 'accepted' as const, reasons: page.bundles[0]!.reasons };
  const issuers = [
    {
      issuer_id: keys.wallet_ed25519.issuer_id,
      key_id: keys.wallet_ed25519.key_id,
      name: 'Test wallet',
      public_key: wallet.json.public_raw_b64u,
    },
  ];
  const issuersNonce = b64u(seed('issuers request nonce').subarray(0, 16));
  const onlineNonce = b64u(seed('online request nonce').subarray(0, 16));
  const grant = {
    authorisation_id: '9d0c5a1e-2b7f-4e61-8c3a-5f1e2d7b9a40',
    sale_id: '61a7d2c4-0e58-4b3f-a1d6-7c9e8f2b3a15',
    amount_minor: 750_000,
    currency: 'XOF',
    expires_at: new Date(NOW_MS + 5 * 60_000).toISOString(),
  };
  const statements = {
    pull: signServerStatement(serverKey, {
      device_id: DEVICE_ID,
      request_nonce: pullNonce,
      server_time: NOW,
      licences: [],
      policy,
      answer_sha256: pullDigest,
    }),
    push: signServerStatement(serverKey, {
      device_id: DEVICE_ID,
      request_nonce: null,
      server_time: NOW,
      licences: [],
      answer_sha256: pushAnswerSha256(pushAnswer),
    }),
    qr_issuers: signServerStatement(serverKey, {
      device_id: DEVICE_ID,
      request_nonce: issuersNonce,
      server_time: NOW,
      licences: [],
      answer_sha256: issuerListSha256(issuers),
    }),
    online_authorisation: signServerStatement(serverKey, {
      device_id: DEVICE_ID,
      request_nonce: onlineNonce,
      server_time: NOW,
      licences: [],
      online_authorisation: grant,
    }),
  };
  const unsignedHex = (st: { signature: string }) => {
    const { signature: _signature, ...unsigned } = st;
    return hex(canonicalBytes(unsigned));
  };
  const answers = {
    description:
      'docs/protocol.md §5.4 (pull and push answers), §5.5 (QR issuer list), §5.6 (online authorisation), §6.1 (statements): what the server signs for keys.device_id with keys.server_ed25519, and the digests (answer_sha256: SHA-256, lowercase hex, of the canonical JSON of the covered fields) a terminal recomputes from the answer before applying anything. Verify each statement over the canonical JSON of every field but signature (`*_unsigned_canonical_hex`).',
    pull: {
      request_nonce: pullNonce,
      page,
      covered_canonical_hex: hex(canonicalBytes(page)),
      answer_sha256: pullDigest,
      statement: statements.pull,
      statement_unsigned_canonical_hex: unsignedHex(statements.pull),
    },
    push: {
      answer: pushAnswer,
      covered_canonical_hex: hex(canonicalBytes(pushAnswer)),
      answer_sha256: pushAnswerSha256(pushAnswer),
      statement: statements.push,
      statement_unsigned_canonical_hex: unsignedHex(statements.push),
    },
    qr_issuers: {
      request_nonce: issuersNonce,
      qr_issuers: issuers,
      covered_canonical_hex: hex(canonicalBytes({ qr_issuers: issuers })),
      answer_sha256: issuerListSha256(issuers),
      statement: statements.qr_issuers,
      statement_unsigned_canonical_hex: unsignedHex(statements.qr_issuers),
    },
    online_authorisation: {
      request_nonce: onlineNonce,
      authorisation: grant,
      statement: statements.online_authorisation,
      statement_unsigned_canonical_hex: unsignedHex(statements.online_authorisation),
    },
  };

  return {
    'keys.json': keys,
    'request-signature.json': requestSignature,
    'sale.json': saleVector,
    'bundle.json': bundle,
    'push-refusal.json': refusal,
    'qr.json': qr,
    'licence.json': licence,
    'answers.json': answers,
  };
}

/** Each file formatted the way `prettier --check` wants it. */
export async function formattedTestVectors(): Promise<Record<string, string>> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig('docs/test-vectors/keys.json')) ?? {};
  const out: Record<string, string> = {};
  for (const [file, value] of Object.entries(await generateTestVectors()))
    out[file] = await prettier.format(JSON.stringify(value), { ...options, parser: 'json' });
  return out;
}
