import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness';
import { enrollTerminal, push, SN_POLICY } from './test-support';

/**
 * Attack (issue #16): a copy of a genuine bundle whose signature is re-spelled (same bytes, other
 * unused bits in the last base64url character) still verifies. Compared as text it looked like
 * another bundle with a reused bundle_id, so the till's own sales were answered BUNDLE_ID_REUSED
 * and marked rejected. A non-canonical spelling is now refused at the schema, whichever copy
 * arrives first, and the genuine bundle is answered as itself.
 */

let s: TestServer;
let admin: string;
beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('admin@spelling.test', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: SN_POLICY })).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
});

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function respell(signature: string): string {
  const last = ALPHABET.indexOf(signature.at(-1)!);
  return `${signature.slice(0, -1)}${ALPHABET[last + 1]}`;
}
const stored = async (bundleId: string) =>
  (await s.pool.query('SELECT 1 FROM offline_tx_bundles WHERE bundle_id = $1', [bundleId])).rowCount;

describe('re-spelled bundle signatures', () => {
  it('refuses the re-spelled copy with 400 and answers the genuine bundle as a duplicate of itself', async () => {
    const till = await enrollTerminal(s, admin);
    const genuine = await till.bundle(till.sales(2));
    const first = await push(s, genuine);
    expect(first.status).toBe(200);

    const copy = await push(s, { ...genuine, signature: respell(genuine.signature) });
    expect([copy.status, copy.body.error?.code]).toEqual([400, 'INVALID_BUNDLE']);
    expect(JSON.stringify(copy.body)).toContain('signature');

    const again = await push(s, genuine);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ duplicate: true, bundle_id: genuine.bundle_id });
    const sales = await s.pool.query<{ status: string }>(
      'SELECT status FROM offline_transactions WHERE bundle_id = $1',
      [genuine.bundle_id],
    );
    expect(sales.rows.map((r) => r.status)).not.toContain('rejected');
  });

  it('refuses a re-spelled copy that arrives first, storing nothing, and then accepts the genuine one', async () => {
    const till = await enrollTerminal(s, admin);
    const genuine = await till.bundle(till.sales(1));
    const copy = await push(s, { ...genuine, signature: respell(genuine.signature) });
    expect([copy.status, copy.body.error?.code]).toEqual([400, 'INVALID_BUNDLE']);
    expect(await stored(genuine.bundle_id)).toBe(0);
    const res = await push(s, genuine);
    expect([res.status, res.body.duplicate]).toEqual([200, false]);
  });
});
