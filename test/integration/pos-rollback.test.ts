import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import type { PendingBanner, SaleSummary, SyncStatus } from '../../protocol/api';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { callCommand } from '../../src-main/core/api/dispatch';
import type { Core } from '../../src-main/core';
import { anchorAccount } from '../../src-main/core/trust/rollback-anchor';
import { putBackAfter } from '../support/put-back';
import { codeOf, forgetKeychain, nextOf, tillCore, tillEnrollmentCode } from '../support/till';
import { lastPushAnswer, startForwarder, type Forwarder } from './tcp-forwarder';

/**
 * Attack (issue #16, ninth red-team pass M-1): a cashier closes the app, copies the till's data
 * directory, takes a 40,000 XOF cash sale offline and trips the PIN lockout, then copies the
 * directory back. Before the keychain anchor (src-main/core/trust/rollback-anchor.ts) the sale was
 * gone without a trace, the lockout reset, and the next sale reused the seq with the server none the
 * wiser. Real core, real encrypted store, real Secret Service, real server on PostgreSQL.
 */
let session: SecretServiceSession;
let server: TestServer;
let forwarder: Forwarder;
let core: Core | null = null;
let dataDir = '';
const service = `outpost-test-${randomUUID()}`;

/** The real keychain, remembering what the anchor held before its last write. */
class AnchorHistory extends KeytarKeyStore {
  beforeLastWrite: Buffer | null = null;
  override async set(account: string, secret: Buffer): Promise<void> {
    if (account === anchorAccount('outpost')) this.beforeLastWrite = await super.get(account);
    return super.set(account, secret);
  }
}
const keys = new AnchorHistory({ service });

async function start(): Promise<void> {
  await core?.close();
  core = await tillCore(forwarder.url, { dataDir, keyStore: keys });
}

const app = {
  start,
  async close() {
    await core?.close();
    core = null;
  },
};

const call = <T = unknown>(method: string, input: unknown = {}) =>
  callCommand(core!.handlers, method, input) as Promise<T>;
const sale = (sku: string, amountMinor: number) =>
  call<SaleSummary>('pos.sale.capture', {
    lines: [{ sku, name: sku, qty: 1, unitPriceMinor: amountMinor, taxRateBp: 0 }],
    tenders: [{ type: 'cash', amountMinor }],
  });
const signIn = (pin: string) => call('pos.cashier.signIn', { cashierId: 'm1', pin });
const pending = () => nextOf<PendingBanner>(core!, 'pos.pending', () => true);

beforeAll(async () => {
  session = await ensureSecretService();
  server = await startTestServer();
  forwarder = await startForwarder(server.url);
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-till-rollback-'));
  const code = await tillEnrollmentCode(server, 'shop-rollback');
  await start();
  await call('enrollment.redeemCode', { code });
  await call('pos.cashier.set', { cashierId: 'm1', name: 'Awa', role: 'manager', pin: '1234' });
  await signIn('1234');
  await call('pos.shift.open', { floatMinor: 10_000 });
}, 120_000);

afterAll(async () => {
  await core?.close();
  await forwarder?.close();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
  await forgetKeychain(service);
  await session?.stop();
});

describe('a till data directory put back from a copy (#16, pass 9 M-1)', () => {
  it('does not erase an unsynced sale unseen: no sale until a check-in, then the seq goes on and the server holds the gap', async () => {
    expect((await sale('a', 1_000)).seq).toBe(1);
    const synced = await call<SyncStatus>('sync.now');
    expect(synced.counts.accepted).toBe(1);
    forwarder.unplug();

    await putBackAfter(dataDir, app, async () => {
      await signIn('1234');
      const skimmed = await sale('x', 40_000);
      expect(skimmed.seq).toBe(2);
      expect((await pending()).totals).toEqual([{ currency: 'XOF', totalMinor: 40_000 }]);
    });

    // The copy does not hold sale 2: the till stops, with the message that sends for a manager.
    expect((await pending()).count).toBe(0);
    await signIn('1234');
    expect(await codeOf(sale('y', 1_000))).toBe('STORE_ROLLED_BACK');

    // Back online: the signed pull is the check-in; the next sale continues after the lost one.
    forwarder.retarget(server.url);
    await call('sync.now');
    const after = await sale('y', 1_000);
    expect(after.seq).toBe(3);
    const status = await call<SyncStatus>('sync.now');
    expect(status.counts.review).toBe(1);
    const answer = lastPushAnswer(forwarder);
    expect(answer.status).toBe('review');
    expect(answer.reasons).toContain('SEQUENCE_GAP');
  });

  it('sells on after a crash between the store and the keychain: a store ahead is no rollback', async () => {
    expect((await sale('z', 500)).seq).toBe(4);
    await app.close();
    // The keychain as it was before the last write (closing saves the secure clock): as if the app
    // died after the store's half of that write and before the keychain's.
    await keys.set(anchorAccount('outpost'), keys.beforeLastWrite!);
    await start();
    await signIn('1234');
    expect((await sale('w', 500)).seq).toBe(5);
  });

  it('keeps the manager-PIN lockout when the directory from before it is put back', async () => {
    await putBackAfter(dataDir, app, async () => {
      for (let i = 0; i < 5; i++) expect(await codeOf(signIn(String(2000 + i)))).toBe('CASHIER_PIN_INVALID');
      expect(await codeOf(signIn('1234'))).toBe('OVERRIDE_LOCKED');
    });
    // The copy was taken before any wrong PIN: the lock comes back from the keychain.
    expect(await codeOf(signIn('1234'))).toBe('OVERRIDE_LOCKED');
  });
});
