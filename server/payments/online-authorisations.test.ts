import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sale } from '../../protocol/bundle';
import { newRequestNonce, verifyServerStatement } from '../../protocol/licence';
import {
  OnlineAuthorisationAnswer,
  type OnlineAuthorisationRequest,
} from '../../protocol/online/authorisation';
import { signed, startTestServer, type TestServer } from '../testing/harness';
import { runOnce } from '../worker/reconcile';
import { enrollTerminal, ledgerEntriesOf, push, SN_POLICY, type Terminal } from './test-support';

/**
 * Issue #18, item 7, on the server: a sale above max_offline_amount is taken only when the server
 * itself authorised it online (POST /offline/online-authorisations), for that device, sale, amount
 * and currency, once. Every way a terminal could claim it instead — the `online` flag, another
 * sale's or device's authorisation, an altered amount or signature, an expired one, none — is held
 * as AMOUNT_OVER_LIMIT (quarantine), never posted. Real server and PostgreSQL, real reconciliation.
 */
let s: TestServer;
let admin: string;
const PATH = '/offline/online-authorisations';
/** Above max_offline_amount (100 000), below the approval threshold so no manager is involved. */
const PRICE = 250_000;
const POLICY = { ...SN_POLICY, approval_threshold: 500_000 };

beforeAll(async () => {
  s = await startTestServer();
  admin = (await s.user('online-auth-admin@example.com', ['pay_admin'])).token;
  expect((await s.call('POST', '/offline/policies', { token: admin, body: POLICY })).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
});

function ask(t: Terminal, body: Partial<OnlineAuthorisationRequest> | string) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return s.call('POST', PATH, { rawBody: raw, headers: signed(t.device, 'POST', PATH, raw) });
}

/** A granted authorisation for a sale of `amount` (default PRICE, tax 0), as the till asks it. */
async function authorise(t: Terminal, amount = PRICE, saleId: string = randomUUID()) {
  const nonce = newRequestNonce();
  const res = await ask(t, { request_nonce: nonce, sale_id: saleId, amount_minor: amount, currency: 'XOF' });
  expect(res.status, res.text).toBe(201);
  const answer = OnlineAuthorisationAnswer.parse(res.body);
  const statement = verifyServerStatement(answer.statement, {
    serverPublicKey: s.trust.deps.keys.signing.publicKey,
    deviceId: t.id,
    requestNonce: nonce,
  });
  return {
    saleId,
    grant: statement.online_authorisation!,
    claim: { authorisation_id: answer.authorisation.authorisation_id, signature: statement.signature },
  };
}

const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);
const posted = (saleId: string) => ledgerEntriesOf(s, saleId);

async function pushOne(t: Terminal, sale: Sale) {
  const res = await push(s, await t.bundle([sale]));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await runOnce({ pool: s.pool, workerId: 'online-auth-test' });
  return { body: res.body, posted: await posted(sale.sale_id) };
}

/** Held as an offline sale above the maximum: quarantined, AMOUNT_OVER_LIMIT, not posted. */
function expectHeld(result: Awaited<ReturnType<typeof pushOne>>, why?: string) {
  expect(result.body.status).toBe('quarantined');
  expect(codes(result.body)).toContain('AMOUNT_OVER_LIMIT');
  if (why) expect(result.body.reasons.find((r) => r.code === 'AMOUNT_OVER_LIMIT')!.detail).toContain(why);
  expect(result.posted).toBe(0);
}

describe('POST /offline/online-authorisations', () => {
  it('answers a statement signed for this request, device, sale, amount and currency, and stores it', async () => {
    const t = await enrollTerminal(s, admin);
    const { saleId, grant } = await authorise(t);
    expect(grant).toMatchObject({ sale_id: saleId, amount_minor: PRICE, currency: 'XOF' });
    expect(Date.parse(grant.expires_at)).toBeGreaterThan(Date.now());
    const { rows } = await s.pool.query(
      'SELECT device_id, amount_minor, used_at FROM offline_online_authorisations WHERE authorisation_id = $1',
      [grant.authorisation_id],
    );
    expect(rows).toEqual([{ device_id: t.id, amount_minor: String(PRICE), used_at: null }]);
  });

  it('refuses with a specific 4xx: malformed body, other currency, above the online cap, a sale asked twice, unsigned', async () => {
    const t = await enrollTerminal(s, admin);
    const base = {
      request_nonce: newRequestNonce(),
      sale_id: randomUUID(),
      amount_minor: PRICE,
      currency: 'XOF',
    };
    const malformed = await ask(t, '{"sale_id": 12, "amount_minor": "lots"');
    expect(malformed.status).toBe(400);
    const negative = await ask(t, { ...base, amount_minor: -5 });
    expect(negative.status).toBe(400);
    const extra = await ask(t, JSON.stringify({ ...base, online: true }));
    expect(extra.status).toBe(400);
    const currency = await ask(t, { ...base, currency: 'EUR' });
    expect([currency.status, (currency.body as { error: { code: string } }).error.code]).toEqual([
      422,
      'CURRENCY_NOT_ALLOWED',
    ]);
    const cap = await ask(t, { ...base, amount_minor: POLICY.max_unsynced_amount + 1 });
    expect([cap.status, (cap.body as { error: { code: string } }).error.code]).toEqual([
      422,
      'ONLINE_AMOUNT_OVER_LIMIT',
    ]);
    expect((await ask(t, base)).status).toBe(201);
    const again = await ask(t, { ...base, request_nonce: newRequestNonce() });
    expect([again.status, (again.body as { error: { code: string } }).error.code]).toEqual([
      409,
      'SALE_ALREADY_AUTHORISED',
    ]);
    const unsigned = await s.call('POST', PATH, { body: base });
    expect(unsigned.status).toBe(401);
  });
});

describe('a pushed sale above max_offline_amount', () => {
  it('authorised online by the server: accepted and posted, the authorisation used', async () => {
    const t = await enrollTerminal(s, admin);
    const { saleId, claim } = await authorise(t);
    const sale = t.sale({ saleId, price: PRICE, tax: 0, online: true, onlineAuthorisation: claim });
    const result = await pushOne(t, sale);
    expect(result.body.status).toBe('accepted');
    expect(codes(result.body)).toEqual([]);
    expect(result.posted).toBeGreaterThan(0);
    const { rows } = await s.pool.query<{ used_at: Date | null }>(
      'SELECT used_at FROM offline_online_authorisations WHERE authorisation_id = $1',
      [claim.authorisation_id],
    );
    expect(rows[0]!.used_at).not.toBeNull();
  });

  it('another tenant’s till asking first under the same sale id takes nothing from this till (8th pass M-1)', async () => {
    const t = await enrollTerminal(s, admin);
    const rogue = await enrollTerminal(s, admin, { tenantId: 'm-rogue' });
    const saleId = randomUUID();
    await authorise(rogue, PRICE, saleId);
    const { claim } = await authorise(t, PRICE, saleId);
    const result = await pushOne(t, t.sale({ saleId, price: PRICE, tax: 0, onlineAuthorisation: claim }));
    expect(result.body.status).toBe('accepted');
    expect(result.posted).toBeGreaterThan(0);
  });

  it('without an authorisation: quarantined', async () => {
    const t = await enrollTerminal(s, admin);
    expectHeld(await pushOne(t, t.sale({ price: PRICE, tax: 0 })));
  });

  it('with the flag online: true alone: quarantined', async () => {
    const t = await enrollTerminal(s, admin);
    expectHeld(await pushOne(t, t.sale({ price: PRICE, tax: 0, online: true })));
  });

  it('replaying an authorisation in a second sale of the same bundle: that sale quarantined', async () => {
    const t = await enrollTerminal(s, admin);
    const { saleId, claim } = await authorise(t);
    const first = t.sale({ saleId, price: PRICE, tax: 0, onlineAuthorisation: claim });
    const second = t.sale({ price: PRICE, tax: 0, onlineAuthorisation: claim });
    const res = await push(s, await t.bundle([first, second]));
    expect(res.body.status).toBe('quarantined');
    const reason = res.body.reasons.find((r) => r.code === 'AMOUNT_OVER_LIMIT')!;
    expect(reason.detail).toContain('1 sale(s) above');
    expect(reason.detail).toContain(`sale ${second.sale_id}: another sale`);
  });

  it('replaying a used authorisation in another sale of a later bundle: quarantined', async () => {
    const t = await enrollTerminal(s, admin);
    const { saleId, claim } = await authorise(t);
    const first = await pushOne(t, t.sale({ saleId, price: PRICE, tax: 0, onlineAuthorisation: claim }));
    expect(first.body.status).toBe('accepted');
    expectHeld(
      await pushOne(t, t.sale({ price: PRICE, tax: 0, onlineAuthorisation: claim })),
      'another sale',
    );
  });

  it('with the amount changed after the authorisation: quarantined', async () => {
    const t = await enrollTerminal(s, admin);
    const { saleId, claim } = await authorise(t);
    expectHeld(
      await pushOne(t, t.sale({ saleId, price: PRICE * 4, tax: 0, onlineAuthorisation: claim })),
      'another amount',
    );
  });

  it("with another device's authorisation for the same sale id: quarantined", async () => {
    const owner = await enrollTerminal(s, admin);
    const thief = await enrollTerminal(s, admin);
    const { saleId, claim } = await authorise(owner);
    expectHeld(
      await pushOne(thief, thief.sale({ saleId, price: PRICE, tax: 0, onlineAuthorisation: claim })),
      // Authorisations are looked up under the pushing device's key: another device's is none.
      'no such authorisation',
    );
  });

  it('with a forged signature (the right id, a statement the server never signed): quarantined', async () => {
    const t = await enrollTerminal(s, admin);
    const { saleId, claim } = await authorise(t);
    const forged = { ...claim, signature: Buffer.alloc(64, 7).toString('base64url') };
    expectHeld(
      await pushOne(t, t.sale({ saleId, price: PRICE, tax: 0, onlineAuthorisation: forged })),
      'a signature the server did not make',
    );
  });

  it('recorded after its authorisation expired: quarantined', async () => {
    const t = await enrollTerminal(s, admin);
    const { saleId, claim } = await authorise(t);
    // As if asked two hours ago: the sale recorded now is long past its five minutes.
    await s.pool.query(
      `UPDATE offline_online_authorisations
       SET issued_at = now() - interval '2 hours', expires_at = now() - interval '115 minutes'
       WHERE authorisation_id = $1`,
      [claim.authorisation_id],
    );
    expectHeld(
      await pushOne(t, t.sale({ saleId, price: PRICE, tax: 0, onlineAuthorisation: claim })),
      'recorded outside its validity',
    );
  });

  it('with an authorisation id the server never issued: quarantined', async () => {
    const t = await enrollTerminal(s, admin);
    const { saleId, claim } = await authorise(t);
    expectHeld(
      await pushOne(
        t,
        t.sale({
          saleId,
          price: PRICE,
          tax: 0,
          onlineAuthorisation: { ...claim, authorisation_id: randomUUID() },
        }),
      ),
      'no such authorisation',
    );
  });
});
