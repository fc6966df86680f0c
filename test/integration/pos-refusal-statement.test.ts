import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, type SecretServiceSession } from '../../native/keystore';
import type { SyncStatus } from '../../protocol/api';
import { generateEd25519 } from '../../protocol/crypto';
import { pushRefusalSha256 } from '../../protocol/http';
import { signServerStatement } from '../../protocol/licence';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { callCommand } from '../../src-main/core/api/dispatch';
import type { Core } from '../../src-main/core';
import { SN_POLICY_INPUT } from '../support/sn-policy';
import { signedIn, tillCore } from '../support/till';
import { startForwarder, type Forwarder } from './tcp-forwarder';

/**
 * Issue #16, red-team pass 12 M-A: whatever answers at the till's server address (another local
 * account squatting the local shop's port, a proxy on the shop's network) used to make the till mark
 * a bundle rejected for good with an unsigned 4xx, and the till then stayed "blocked". Now a push
 * refusal is final only when the server signed it for this device, this bundle, this code and this
 * very envelope. Real core (encrypted store, real Secret Service), real server on PostgreSQL; the
 * till's address is a forwarder that leads either to the server or to a squatter that never
 * forwards anything.
 */
type Squat = (pushed: { device_id: string; bundle_id: string } & Record<string, unknown>) => Promise<{
  status: number;
  body: unknown;
}>;

let session: SecretServiceSession;
let server: TestServer;
let forwarder: Forwarder;
let squatter: http.Server;
let squatterUrl = '';
let squat: Squat = async () => ({ status: 400, body: { error: { code: 'INVALID_BUNDLE', message: 'no' } } });
const seen: string[] = [];
let till: Core;

const call = (method: string, input: unknown = {}) => callCommand(till.handlers, method, input);
/**
 * One sync round. The forwarder cuts the till's kept-alive connections when it switches between the
 * server and the squatter; a push that picked up a cut one before the till saw it close fails as the
 * network does (UNAVAILABLE, retried), so that round is run once more.
 */
async function syncNow(): Promise<SyncStatus> {
  const status = (await call('sync.now')) as SyncStatus;
  return status.lastErrorCode === 'UNAVAILABLE' ? ((await call('sync.now')) as SyncStatus) : status;
}
const capture = (amountMinor: number) =>
  call('pos.sale.capture', {
    lines: [{ sku: 'rice-1kg', name: 'Riz 1kg', qty: 1, unitPriceMinor: amountMinor, taxRateBp: 0 }],
    tenders: [{ type: 'cash', amountMinor }],
  });
/** The till's address leads to the squatter (`true`) or to the real server. */
function squatting(on: boolean): void {
  forwarder.retarget(on ? squatterUrl : server.url);
  forwarder.disconnect();
}
const refusal = (code: string) => ({ error: { code, message: 'Bundle refused' } });

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  forwarder = await startForwarder(server.url);
  // The squatter: an HTTP server of its own, answering the push as `squat` says and every other
  // request with an unsigned 400; it never forwards anything to the real server.
  squatter = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      void (async () => {
        const answer =
          req.method === 'POST' && req.url === '/offline/push'
            ? await squat(JSON.parse(Buffer.concat(chunks).toString()) as Parameters<Squat>[0])
            : { status: 400, body: refusal('INVALID_BUNDLE') };
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      })();
    });
  });
  squatter.listen(0, '127.0.0.1');
  await once(squatter, 'listening');
  squatterUrl = `http://127.0.0.1:${(squatter.address() as AddressInfo).port}`;

  const admin = await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin']);
  const tenant = { tenant_type: 'merchant', tenant_id: `shop-${randomUUID().slice(0, 8)}` };
  expect(
    (await server.call('POST', '/offline/policies', { token: admin.token, body: SN_POLICY_INPUT })).status,
  ).toBe(200);
  const issued = await server.call('POST', '/offline/enrollment-codes', {
    token: admin.token,
    body: { ...tenant, country: 'SN', currency_default: 'XOF' },
  });
  till = await tillCore(forwarder.url);
  await call('enrollment.redeemCode', { code: (issued.body as { code: string }).code });
  await signedIn(till);
  await call('pos.shift.open', { floatMinor: 0 });
}, 120_000);

afterAll(async () => {
  await till?.close();
  await forwarder?.close();
  squatter?.closeAllConnections();
  await new Promise((done) => squatter?.close(done));
  await server?.close();
  await session?.stop();
});

/** What the till shows after a round against the squatter: nothing rejected, nothing blocked. */
function expectRetried(status: SyncStatus, what: string): void {
  expect({ what, code: status.lastErrorCode, rejected: status.counts.rejected }).toEqual({
    what,
    code: 'REFUSAL_UNVERIFIED',
    rejected: 0,
  });
  expect(status.state, what).not.toBe('blocked');
  expect(status.rejectedBundles, what).toEqual([]);
}

describe('attack: refusals at the till’s server address that the server did not sign', () => {
  it('(a) a squatter’s unsigned 400, 409 and 422: the sales stay pending, and the real server accepts them later', async () => {
    squatting(true);
    const codes: [number, string][] = [
      [400, 'INVALID_BUNDLE'],
      [409, 'SEQUENCE_CONFLICT'],
      [422, 'CURRENCY_NOT_ALLOWED'],
    ];
    for (const [status, code] of codes) {
      squat = async () => ({ status, body: refusal(code) });
      await capture(1_000 + status);
      const after = await syncNow();
      expectRetried(after, `${status} ${code}`);
      expect(after.counts.accepted).toBe(0);
    }
    expect(seen.filter((s) => s === 'POST /offline/push').length).toBeGreaterThanOrEqual(3);

    // The squatter leaves, the real server answers at the address: every sale is accepted.
    squatting(false);
    const back = await syncNow();
    expect(back).toMatchObject({ lastErrorCode: null, rejectedBundles: [] });
    expect(back.counts).toMatchObject({ rejected: 0, pending: 0 });
    expect(back.counts.accepted + back.counts.reconciled).toBe(3);
    expect(back.state).not.toBe('blocked');
  }, 120_000);

  it('(b) a refusal signed by another key, complete and for this very envelope, is not believed', async () => {
    const attacker = { privateKey: generateEd25519().privateKey, kid: 'ed25519:attacker' };
    squatting(true);
    squat = async (pushed) => ({
      status: 409,
      body: {
        error: {
          ...refusal('SEQUENCE_CONFLICT').error,
          statement: signServerStatement(attacker, {
            device_id: pushed.device_id,
            request_nonce: null,
            server_time: new Date().toISOString(),
            licences: [],
            answer_sha256: pushRefusalSha256({
              bundle_id: pushed.bundle_id,
              code: 'SEQUENCE_CONFLICT',
              envelope: pushed,
            }),
          }),
        },
      },
    });
    await capture(2_000);
    expectRetried(await syncNow(), 'signed by another key');
    squatting(false);
    const back = await syncNow();
    expect(back).toMatchObject({ lastErrorCode: null, counts: { rejected: 0, pending: 0 } });
  }, 120_000);

  it('(b) the server’s own signed refusal of an envelope the attacker altered does not fit the till’s', async () => {
    squatting(true);
    // A proxy breaks the envelope's signature, sends it to the real server, and hands the till the
    // genuine, signed 401 INVALID_SIGNATURE the server gave for that altered copy.
    let relayed = '';
    squat = async (pushed) => {
      const signature = pushed.signature as string;
      const altered = {
        ...pushed,
        signature: `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`,
      };
      const res = await fetch(`${server.url}/offline/push`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(altered),
      });
      const body = (await res.json()) as { error: { code: string; statement?: unknown } };
      relayed = `${res.status} ${body.error.code} ${body.error.statement ? 'signed' : 'unsigned'}`;
      return { status: res.status, body };
    };
    await capture(3_000);
    const after = await syncNow();
    expect(relayed).toBe('401 INVALID_SIGNATURE signed');
    expectRetried(after, 'a genuine refusal of another envelope');
    squatting(false);
    const back = await syncNow();
    expect(back).toMatchObject({ lastErrorCode: null, counts: { rejected: 0, pending: 0 } });
  }, 120_000);
});
