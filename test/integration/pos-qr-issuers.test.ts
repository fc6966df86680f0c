import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, type SecretServiceSession } from '../../native/keystore';
import type { SyncStatus } from '../../protocol/api';
import { generateEd25519, publicKeyRaw } from '../../protocol/crypto/ed25519';
import { signServerStatement } from '../../protocol/licence';
import { issuePaymentToken, issuerListSha256, type IssuerKey } from '../../protocol/qr';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { callCommand } from '../../src-main/core/api/dispatch';
import type { Core } from '../../src-main/core';
import { SN_POLICY_INPUT } from '../support/sn-policy';
import { codeOf, signedIn, tillCore } from '../support/till';
import { proxiedTillHooks, startTamperingProxy, type Tamper, type TamperingProxy } from './tampering-proxy';

/**
 * Issue #16, M1 of the sixth review: the keys a till checks customer payment QR codes with came
 * from GET /offline/qr/issuers unsigned. A cashier's proxy put in a key of the cashier's own, and a
 * QR the cashier signed passed as a Wave payment (then was refunded in cash). Real core (encrypted
 * store, real Secret Service), real server on PostgreSQL, the project's tampering proxy between.
 * Every rewritten list is refused, the till keeps the keys it had, and the sync status says so.
 */
const ISSUERS = '/offline/qr/issuers';
let session: SecretServiceSession;
let server: TestServer;
let proxy: TamperingProxy;
let till: Core;
const wave = generateEd25519(); // the genuine issuer, registered by the admin
const cashier = generateEd25519(); // the cashier's own key
const attackerServer = generateEd25519(); // a proxy signing statements of its own

const call = (method: string, input: unknown = {}) => callCommand(till.handlers, method, input);
const syncNow = async () => (await call('sync.now')) as SyncStatus;
const raw = (k: ReturnType<typeof generateEd25519>) => publicKeyRaw(k.publicKey).toString('base64url');
const FORGED: IssuerKey = { issuer_id: 'wave', key_id: 'k9', name: 'Wave', public_key: raw(cashier) };
const qr = (key: ReturnType<typeof generateEd25519>, keyId: string, requestRef?: string) =>
  issuePaymentToken(
    {
      issuer_id: 'wave',
      key_id: keyId,
      payer_ref: `wave:${randomUUID()}`,
      amount_minor: 40_000,
      currency: 'XOF',
      now: Date.now(),
      ...(requestRef === undefined ? {} : { request_ref: requestRef }),
    },
    key.privateKey,
  );
/** Rewrites the issuer list's answers with `edit`. */
const onIssuers =
  (edit: (answer: { issuers: IssuerKey[]; statement?: unknown }) => unknown): Tamper =>
  ({ path, answer }) =>
    path === ISSUERS && typeof answer === 'object' && answer !== null
      ? { body: edit(structuredClone(answer) as { issuers: IssuerKey[]; statement?: unknown }) }
      : null;

/** After the attack: refused in the status, the forged QR unknown, the genuine one still good. */
async function refusedAndKept(): Promise<void> {
  expect((await syncNow()).lastErrorCode).toBe('QR_ISSUERS_UNVERIFIED');
  // Verify asks the server again for an unknown key: the proxy is still there, and still refused.
  expect(await codeOf(call('pos.qr.verify', { text: qr(cashier, 'k9'), dueMinor: 40_000 }))).toBe(
    'QR_ISSUER_UNKNOWN',
  );
  await expect(call('pos.qr.verify', { text: qr(wave, 'k1'), dueMinor: 40_000 })).resolves.toMatchObject({
    issuerName: 'Wave',
  });
}

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  proxy = await startTamperingProxy(server.url);
  const admin = await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin']);
  expect(
    (await server.call('POST', '/offline/policies', { token: admin.token, body: SN_POLICY_INPUT })).status,
  ).toBe(200);
  const key = await server.call('POST', ISSUERS, {
    token: admin.token,
    body: { issuer_id: 'wave', key_id: 'k1', name: 'Wave', public_key: raw(wave) },
  });
  expect(key.status).toBe(200);
  const issued = await server.call('POST', '/offline/enrollment-codes', {
    token: admin.token,
    body: { tenant_type: 'merchant', tenant_id: 'shop-m1', country: 'SN', currency_default: 'XOF' },
  });
  till = await tillCore(proxy.url);
  await call('enrollment.redeemCode', { code: (issued.body as { code: string }).code });
  // Untampered: the sync round keeps the signed list.
  expect((await syncNow()).lastErrorCode).toBeNull();
}, 120_000);
proxiedTillHooks(() => ({ till, proxy, server, session }));

describe('a proxy rewriting the QR issuer keys', () => {
  it('the cashier’s key put in beside the genuine statement: refused, the old keys kept', async () => {
    proxy.tamper = onIssuers((a) => ({ ...a, issuers: [FORGED] }));
    await refusedAndKept();
  });

  it('a key added to the genuine list: refused', async () => {
    proxy.tamper = onIssuers((a) => ({ ...a, issuers: [...a.issuers, FORGED] }));
    await refusedAndKept();
  });

  it('the list without a statement (as servers before this fix answered): refused', async () => {
    proxy.tamper = onIssuers((a) => ({ issuers: [...a.issuers, FORGED] }));
    await refusedAndKept();
  });

  it('a statement the proxy signed with its own key, for this till and request: refused', async () => {
    const { deviceId } = (await call('app.status')) as { deviceId: string };
    proxy.tamper = ({ path, query }) => {
      if (path !== ISSUERS) return null;
      const issuers = [FORGED];
      return {
        body: {
          issuers,
          statement: signServerStatement(
            { privateKey: attackerServer.privateKey, kid: 'ed25519:proxy' },
            {
              device_id: deviceId,
              request_nonce: query.get('request_nonce'),
              server_time: new Date().toISOString(),
              licences: [],
              answer_sha256: issuerListSha256(issuers),
            },
          ),
        },
      };
    };
    await refusedAndKept();
  });

  it('a genuine earlier answer replayed: refused (its nonce is another request’s)', async () => {
    const genuine = proxy.answers.filter((a) => a.path === ISSUERS).at(0)?.body;
    expect(genuine).toMatchObject({ issuers: [{ key_id: 'k1' }] });
    proxy.tamper = ({ path }) => (path === ISSUERS ? { body: genuine } : null);
    await refusedAndKept();
  });

  it('untampered again: the status clears', async () => {
    expect((await syncNow()).lastErrorCode).toBeNull();
  });
});

describe('a QR sale reaching the server', () => {
  it('carries the QR, which the server verifies: a genuine one is accepted', async () => {
    await signedIn(till);
    await call('pos.shift.open', { floatMinor: 0 });
    // The customer's wallet scanned this till's request, so the token names its payee: a token
    // quoting no request is held for review by the server (tenth pass M-2, qr-payee.test.ts).
    const { ref } = (await call('pos.qr.request', { amountMinor: 40_000 })) as { ref: string };
    const { verificationId } = (await call('pos.qr.verify', {
      text: qr(wave, 'k1', ref),
      dueMinor: 40_000,
    })) as { verificationId: string };
    await call('pos.sale.capture', {
      lines: [{ sku: 'rice-25kg', name: 'Riz 25 kg', qty: 1, unitPriceMinor: 40_000, taxRateBp: 0 }],
      tenders: [{ type: 'qr', amountMinor: 40_000, verificationId }],
    });
    expect(await syncNow()).toMatchObject({
      lastErrorCode: null,
      counts: { accepted: 1, review: 0, quarantined: 0 },
    });
  });
});
