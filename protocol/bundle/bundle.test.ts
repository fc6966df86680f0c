import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalJson } from '../crypto/canonical';
import { generateEd25519, signCanonical } from '../crypto/ed25519';
import { beginSeal } from '../hpke/seal';
import { generateHpkeKeyPair } from '../hpke/keys';
import { buildBundle, type BuildBundleInput } from './build';
import { saleHash } from './chain';
import { BUNDLE_HPKE_INFO, GENESIS_HASH, MAX_SALES_PER_BUNDLE } from './constants';
import { bundleAad, bundleHeader, signedEnvelope, type BundleEnvelope, type BundleHeader } from './envelope';
import type { BundleErrorCode } from './errors';
import { chainOf, cashSale } from './fixtures.test-helpers';
import { openBundle } from './open';
import type { BundlePayload } from './payload';

const device = generateEd25519();
const server = generateHpkeKeyPair();
const keys = { devicePublicKey: device.publicKey, serverPrivateKey: server.privateKey };
const OTHER_HASH = 'B'.repeat(42) + 'A';
const now = new Date('2025-01-15T12:30:00.000Z');

function input(overrides: Partial<BuildBundleInput> = {}): BuildBundleInput {
  return {
    sales: chainOf(3),
    deviceId: 'POS-001',
    deviceKey: device.privateKey,
    serverPublicKey: server.publicKey,
    serverKeyId: 'srv-2025-01',
    prevChainHead: GENESIS_HASH,
    now,
    ...overrides,
  };
}

async function rejectsWith(attempt: Promise<unknown>, code: BundleErrorCode, label?: string) {
  await expect(attempt, label).rejects.toMatchObject({ name: 'BundleError', code });
}

/**
 * What a device with its own key could send: any payload, sealed and signed correctly, so the checks
 * after the signature (agreement, chain) can be reached with crafted content.
 */
async function forge(
  payload: BundlePayload,
  header: Partial<BundleHeader> = {},
  aadHeader?: Partial<BundleHeader>,
) {
  const sealer = await beginSeal(server.publicKey, BUNDLE_HPKE_INFO);
  const h: BundleHeader = {
    v: 1,
    device_id: payload.device_id,
    bundle_id: payload.bundle_id,
    device_clock: payload.created_at,
    nonce: randomBytes(16).toString('base64url'),
    seq_from: payload.seq_from,
    seq_to: payload.seq_to,
    chain_head: payload.chain_head,
    sales_count: payload.sales.length,
    hpke: { kem_id: 0x20, kdf_id: 1, aead_id: 2, server_key_id: 'srv', enc: sealer.enc },
    ...header,
  };
  const ct = await sealer.seal(canonicalBytes(payload), bundleAad({ ...h, ...aadHeader }));
  const unsigned = { ...h, encrypted_payload: Buffer.from(ct).toString('base64url') };
  return { ...unsigned, signature: signCanonical(device.privateKey, unsigned) } as BundleEnvelope;
}

function payloadOf(sales = chainOf(3), overrides: Partial<BundlePayload> = {}): BundlePayload {
  return {
    v: 1,
    bundle_id: randomUUID(),
    device_id: 'POS-001',
    created_at: now.toISOString(),
    seq_from: sales[0]!.seq,
    seq_to: sales[sales.length - 1]!.seq,
    prev_chain_head: sales[0]!.prev_hash,
    chain_head: saleHash(sales[sales.length - 1]!),
    sales,
    ...overrides,
  };
}

describe('buildBundle → openBundle', () => {
  it('round-trips and exposes only routing data in the clear', async () => {
    const sales = chainOf(3);
    const envelope = await buildBundle(input({ sales }));
    expect(envelope).toMatchObject({
      v: 1,
      device_id: 'POS-001',
      device_clock: now.toISOString(),
      seq_from: 1,
      seq_to: 3,
      sales_count: 3,
      chain_head: saleHash(sales[2]!),
      hpke: { kem_id: 0x20, kdf_id: 1, aead_id: 2, server_key_id: 'srv-2025-01' },
    });
    // The line's name has a space, which base64url never has: a random ciphertext cannot spell it.
    expect(sales[0]!.lines[0]!.name).toBe('Riz 1kg');
    expect(JSON.stringify(envelope)).not.toContain('Riz 1kg');
    const opened = await openBundle(JSON.parse(JSON.stringify(envelope)), keys);
    expect(opened.payload.sales).toEqual(sales);
    expect(opened.payload.prev_chain_head).toBe(GENESIS_HASH);
    expect(opened.invalidSales).toEqual([]);
  });

  it('continues a chain from a previous head and carries 500 sales', async () => {
    const first = chainOf(MAX_SALES_PER_BUNDLE);
    const head = saleHash(first[first.length - 1]!);
    const next = chainOf(2, 501, head);
    const opened = await openBundle(await buildBundle(input({ sales: next, prevChainHead: head })), keys);
    expect(opened.payload).toMatchObject({ seq_from: 501, seq_to: 502, prev_chain_head: head });
    expect((await openBundle(await buildBundle(input({ sales: first })), keys)).payload.sales).toHaveLength(
      500,
    );
  });

  it('delivers chained sales with bad arithmetic, flagged, rather than refusing the bundle', async () => {
    const bad = cashSale({ total_minor: 5, tenders: [{ type: 'cash', amount_minor: 5 }] });
    const good = cashSale({ seq: 2, prev_hash: saleHash(bad) });
    const opened = await openBundle(await buildBundle(input({ sales: [bad, good] })), keys);
    expect(opened.invalidSales).toEqual([
      { index: 0, sale_id: bad.sale_id, issues: [expect.objectContaining({ code: 'SALE_TOTAL_MISMATCH' })] },
    ]);
  });

  it('refuses to build an empty, oversized, broken or foreign bundle', async () => {
    await rejectsWith(buildBundle(input({ sales: [] })), 'INVALID_BUNDLE');
    await rejectsWith(buildBundle(input({ sales: chainOf(MAX_SALES_PER_BUNDLE + 1) })), 'INVALID_BUNDLE');
    const sales = chainOf(3);
    await rejectsWith(buildBundle(input({ sales: [sales[0]!, sales[2]!] })), 'SEQUENCE_GAP');
    await rejectsWith(buildBundle(input({ sales, prevChainHead: OTHER_HASH })), 'CHAIN_BROKEN');
    await rejectsWith(
      buildBundle(input({ sales: chainOf(2, 1, GENESIS_HASH, 'POS-002') })),
      'BUNDLE_MISMATCH',
    );
    await rejectsWith(buildBundle(input({ sales: [{ ...sales[0]!, seq: 0 }] })), 'INVALID_BUNDLE');
  });
});

describe('what is signed and bound as aad', () => {
  it('is built in RFC 8785 key order, so canonical JSON is plain JSON.stringify of it', async () => {
    const envelope = await buildBundle(input({ sales: chainOf(2) }));
    // Parsed like the server parses a body: keys in whatever order the sender wrote.
    const received = JSON.parse(JSON.stringify(envelope)) as BundleEnvelope;
    const header = bundleHeader(received);
    expect(JSON.stringify(header)).toBe(canonicalJson(header));
    const signed = signedEnvelope(received);
    expect(JSON.stringify(signed)).toBe(canonicalJson(signed));
    expect(Object.keys(signed)).toEqual(
      Object.keys(received)
        .filter((k) => k !== 'signature')
        .sort(),
    );
  });
});

describe('openBundle refusals, in order', () => {
  it('INVALID_BUNDLE for a malformed envelope', async () => {
    const envelope = await buildBundle(input());
    const { nonce: _nonce, ...withoutNonce } = envelope;
    const cases: Array<[string, unknown]> = [
      ['not an object', 'hello'],
      ['missing field', withoutNonce],
      ['extra field', { ...envelope, admin: true }],
      ['other version', { ...envelope, v: 2 }],
      ['other KEM', { ...envelope, hpke: { ...envelope.hpke, kem_id: 0x10 } }],
      ['other AEAD', { ...envelope, hpke: { ...envelope.hpke, aead_id: 1 } }],
      ['zero sales', { ...envelope, sales_count: 0 }],
      ['too many sales', { ...envelope, sales_count: 501 }],
      ['short nonce', { ...envelope, nonce: 'AAAA' }],
      ['local clock', { ...envelope, device_clock: '2025-01-15 12:00' }],
      ['padded payload', { ...envelope, encrypted_payload: envelope.encrypted_payload + '=' }],
      ['upper-case bundle id', { ...envelope, bundle_id: envelope.bundle_id.toUpperCase() }],
    ];
    for (const [label, body] of cases) await rejectsWith(openBundle(body, keys), 'INVALID_BUNDLE', label);
  });

  it('INVALID_SIGNATURE when any signed field changes, or the key is not the device', async () => {
    const envelope = await buildBundle(input());
    const other = await buildBundle(input());
    const changed: Array<[string, BundleEnvelope]> = [
      ['device_id', { ...envelope, device_id: 'POS-002' }],
      ['bundle_id', { ...envelope, bundle_id: randomUUID() }],
      ['device_clock', { ...envelope, device_clock: '2025-01-15T12:30:01.000Z' }],
      ['nonce', { ...envelope, nonce: randomBytes(16).toString('base64url') }],
      ['seq_from', { ...envelope, seq_from: 2 }],
      ['seq_to', { ...envelope, seq_to: 4 }],
      ['chain_head', { ...envelope, chain_head: OTHER_HASH }],
      ['sales_count', { ...envelope, sales_count: 2 }],
      ['server_key_id', { ...envelope, hpke: { ...envelope.hpke, server_key_id: 'srv-old' } }],
      ['enc', { ...envelope, hpke: { ...envelope.hpke, enc: other.hpke.enc } }],
      ['encrypted_payload', { ...envelope, encrypted_payload: other.encrypted_payload }],
      ['signature', { ...envelope, signature: other.signature }],
    ];
    for (const [label, body] of changed)
      await rejectsWith(openBundle(body, keys), 'INVALID_SIGNATURE', label);
    await rejectsWith(
      openBundle(envelope, { ...keys, devicePublicKey: generateEd25519().publicKey }),
      'INVALID_SIGNATURE',
    );
  });

  it('DECRYPTION_FAILED for the wrong server key or a ciphertext sealed under another header', async () => {
    const envelope = await buildBundle(input());
    await rejectsWith(
      openBundle(envelope, { ...keys, serverPrivateKey: generateHpkeKeyPair().privateKey }),
      'DECRYPTION_FAILED',
    );
    const payload = payloadOf();
    // The device signs a header other than the one the ciphertext was bound to.
    await rejectsWith(
      openBundle(await forge(payload, {}, { nonce: randomBytes(16).toString('base64url') }), keys),
      'DECRYPTION_FAILED',
    );
    await rejectsWith(openBundle(await forge(payload, {}, { sales_count: 2 }), keys), 'DECRYPTION_FAILED');
    // Sealed to another recipient entirely.
    const elsewhere = await buildBundle(input({ serverPublicKey: generateHpkeKeyPair().publicKey }));
    await rejectsWith(openBundle(elsewhere, keys), 'DECRYPTION_FAILED');
  });

  it('accepts a well-forged bundle (the forge helper itself is sound)', async () => {
    await expect(openBundle(await forge(payloadOf()), keys)).resolves.toMatchObject({ invalidSales: [] });
  });

  it('BUNDLE_MISMATCH when header and payload disagree', async () => {
    const payload = payloadOf();
    const cases: Array<[string, Promise<BundleEnvelope>]> = [
      ['device_id', forge(payload, { device_id: 'POS-002' })],
      ['bundle_id', forge(payload, { bundle_id: randomUUID() })],
      ['seq_from', forge(payload, { seq_from: 2 })],
      ['seq_to', forge(payload, { seq_to: 4 })],
      ['chain_head', forge(payload, { chain_head: OTHER_HASH })],
      ['sales_count', forge(payload, { sales_count: 4 })],
      ['payload seq_to', forge(payloadOf(chainOf(3), { seq_to: 5 }))],
      [
        'sale of another device',
        forge(payloadOf(chainOf(3, 1, GENESIS_HASH, 'POS-002'), { device_id: 'POS-001' })),
      ],
    ];
    for (const [label, body] of cases)
      await rejectsWith(openBundle(await body, keys), 'BUNDLE_MISMATCH', label);
  });

  it('SEQUENCE_GAP and CHAIN_BROKEN for a broken run of sales', async () => {
    const sales = chainOf(4);
    const gap = [sales[0]!, sales[1]!, sales[3]!];
    await rejectsWith(
      openBundle(await forge(payloadOf(gap, { seq_to: 3, chain_head: saleHash(sales[3]!) })), keys),
      'SEQUENCE_GAP',
    );
    const edited = [sales[0]!, { ...sales[1]!, total_minor: 1 }, sales[2]!];
    await rejectsWith(openBundle(await forge(payloadOf(edited)), keys), 'CHAIN_BROKEN');
    const notFromGenesis = chainOf(2, 1, OTHER_HASH);
    await rejectsWith(openBundle(await forge(payloadOf(notFromGenesis)), keys), 'CHAIN_BROKEN');
    const lyingHead = payloadOf(chainOf(2), {});
    const lie = { ...lyingHead, chain_head: 'C'.repeat(42) + 'A' };
    await rejectsWith(openBundle(await forge(lie), keys), 'CHAIN_BROKEN');
  });
});
