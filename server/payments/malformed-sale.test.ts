import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_HPKE_INFO, bundleAad, bundleHeader, saleHash, type Sale } from '../../protocol/bundle';
import { canonicalBytes, signCanonical } from '../../protocol/crypto';
import { beginSeal } from '../../protocol/hpke';
import { startTestServer, type TestServer } from '../testing/harness';
import { enrollTerminal, push, SN_POLICY, type Terminal } from './test-support';

/**
 * Attack (issue #16): a NUL in a sale's QR field (payer_ref) reached PostgreSQL inside a genuine,
 * signed bundle: a 500, which the till treats as "retry later", forever. The sale schema now
 * refuses control characters: 400 INVALID_BUNDLE ("do not retry"), nothing stored.
 */

let s: TestServer;
let admin: string;
beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('admin@controls.test', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
});

/** Seals and signs `sales` as the terminal would, without the builder's schema check. */
async function sealed(t: Terminal, sales: Sale[]) {
  const base = await t.bundle([t.sale()]);
  const chainHead = saleHash(sales[sales.length - 1]!);
  const payload = {
    v: 1 as const,
    bundle_id: base.bundle_id,
    device_id: t.id,
    created_at: base.device_clock,
    seq_from: sales[0]!.seq,
    seq_to: sales[sales.length - 1]!.seq,
    prev_chain_head: sales[0]!.prev_hash,
    chain_head: chainHead,
    sales,
  };
  const sealer = await beginSeal(t.serverKey, BUNDLE_HPKE_INFO);
  const header = {
    ...bundleHeader(base),
    seq_from: payload.seq_from,
    seq_to: payload.seq_to,
    chain_head: chainHead,
    sales_count: sales.length,
    hpke: { ...base.hpke, enc: sealer.enc },
  };
  const ciphertext = await sealer.seal(canonicalBytes(payload), bundleAad(header));
  const unsigned = { ...header, encrypted_payload: Buffer.from(ciphertext).toString('base64url') };
  return { ...unsigned, signature: signCanonical(t.device.privateKey, unsigned) };
}

const count = async (table: string) =>
  Number((await s.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

const stored = async () => ({
  bundles: await count('offline_tx_bundles'),
  sales: await count('offline_transactions'),
});

/** The push is answered 400 INVALID_BUNDLE and no bundle or sale row is added. */
async function expectRefusedStoringNothing(envelope: Awaited<ReturnType<typeof sealed>>) {
  const before = await stored();
  const res = await push(s, envelope);
  expect([res.status, res.body.error?.code]).toEqual([400, 'INVALID_BUNDLE']);
  expect(await stored()).toEqual(before);
}

describe('malformed values inside a genuine, signed bundle', () => {
  it('refuses a NUL in a QR payer_ref with 400 INVALID_BUNDLE, storing nothing', async () => {
    const till = await enrollTerminal(s, admin);
    const clean = till.sale({ tender: 'qr' });
    const tender = clean.tenders[0]!;
    const dirty: Sale = { ...clean, tenders: [{ ...tender, qr: { payer_ref: 'wallet\u0000-77' } }] };
    // The previous head was consumed by the base bundle's sale: chain the dirty sale after a fresh one.
    const first = till.sale();
    const chained: Sale = { ...dirty, seq: first.seq + 1, prev_hash: saleHash(first) };
    const envelope = await sealed(till, [first, chained]);
    await expectRefusedStoringNothing(envelope);
  });

  // Attack (#16, eleventh pass): NEL (U+0085) and the line and paragraph separators U+2028 and
  // U+2029 break lines as \n does, yet passed the C0-only rule into stored sales and exports.
  it.each([
    ['NEL U+0085', '\u0085'],
    ['U+2028', '\u2028'],
    ['U+2029', '\u2029'],
    ['C1 U+009B', '\u009b'],
  ])('refuses %s in a sale line name with 400 INVALID_BUNDLE, storing nothing', async (_, control) => {
    const till = await enrollTerminal(s, admin);
    const first = till.sale();
    const clean = till.sale();
    const dirty: Sale = {
      ...clean,
      lines: [{ ...clean.lines[0]!, name: `Riz${control}1kg` }],
      seq: first.seq + 1,
      prev_hash: saleHash(first),
    };
    await expectRefusedStoringNothing(await sealed(till, [first, dirty]));
  });

  it('refuses U+0085, U+2028 and U+2029 on a plain route with 400 CONTROL_CHARACTERS, writing nothing', async () => {
    for (const control of ['\u0085', '\u2028', '\u2029']) {
      const res = await s.call('POST', '/offline/enrollment-codes', {
        token: admin,
        body: {
          tenant_type: 'merchant',
          tenant_id: 'm-1',
          country: 'SN',
          currency_default: 'XOF',
          label: `till${control}2`,
        },
      });
      expect([res.status, (res.body as { error?: { code: string } }).error?.code]).toEqual([
        400,
        'CONTROL_CHARACTERS',
      ]);
    }
    expect(await count('enrollment_codes')).toBe(0);
  });

  // Attack (issue #16 review, F4): PostgreSQL has no year 0, and the push cast sale dates in SQL
  // before anything refused them: a genuine bundle dated 0000-01-01 answered 500, retried forever.
  it('refuses a sale dated year 0000 with 400 INVALID_BUNDLE, storing nothing', async () => {
    const till = await enrollTerminal(s, admin);
    const first = till.sale();
    const ancient: Sale = {
      ...till.sale(),
      seq: first.seq + 1,
      prev_hash: saleHash(first),
      created_at: '0000-01-01T00:00:00.000Z',
    };
    const envelope = await sealed(till, [first, ancient]);
    await expectRefusedStoringNothing(envelope);
  });
});
