import { randomUUID } from 'node:crypto';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../server/testing/harness';
import { startTamperingProxy, type TamperingProxy } from '../../../../test/integration/tampering-proxy';
import { tillEnrollmentCode } from '../../../../test/support/till';
import { MemoryKeyStore, OfflineTerminal } from '../index';

/**
 * The push handler's promise, on RxDB's live replication against the real server: the same sales
 * always travel in the same bundle, byte for byte, whatever RxDB's batches and retries and a restart
 * in between. The proxy lets the server store each push and loses its answers, so every bundle is
 * sent again, first by RxDB's retry, then by the reopened terminal, whose RxDB hands the unanswered
 * sales over in other batches. A handler that packed the batch it was given would send new bundle
 * ids and new nonces, and the server would hold sales twice or refuse the chain.
 */
let server: TestServer;
let proxy: TamperingProxy;

beforeAll(async () => {
  server = await startTestServer();
  proxy = await startTamperingProxy(server.url);
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await server?.close();
});

const SALES = 7;

describe('the replication push handler', () => {
  it('re-sends each sealed bundle unchanged after lost answers and a restart; the server holds every sale once', async () => {
    const storage = getRxStorageMemory();
    const keyStore = new MemoryKeyStore();
    const databaseName = `r${randomUUID().replaceAll('-', '').slice(0, 20)}`;
    const open = () =>
      OfflineTerminal.initialize({
        serverUrl: proxy.url,
        storage,
        keyStore,
        databaseName,
        autoSync: true,
        sync: { backoffBaseMs: 20, backoffMaxMs: 100, intervalMs: 0, requestTimeoutMs: 5_000 },
      });
    const sent = new Map<string, Set<string>>();
    let lost = 0;
    const unavailable = { status: 503, body: { error: { code: 'UNAVAILABLE', message: 'answer lost' } } };
    proxy.tamper = ({ path, request }) => {
      // The pull's outcomes would tell the terminal what the lost answers said: lost too.
      if (path === '/offline/sync/payments') return unavailable;
      if (path !== '/offline/push') return null;
      const id = (request as { bundle_id: string }).bundle_id;
      sent.set(id, (sent.get(id) ?? new Set()).add(JSON.stringify(request)));
      lost++;
      return unavailable;
    };

    const first = await open();
    await first.registerDevice(await tillEnrollmentCode(server, 'shop-rx'));
    for (let i = 0; i < SALES; i++)
      await first.createOfflineTransaction({
        lines: [{ sku: 'rice-1kg', name: 'Riz', qty: 1, unitPriceMinor: 1000, taxRateBp: 1800 }],
        cashMinor: 2000,
      });
    // The first bundle sealed and its answer lost again and again: RxDB's retries, same rows.
    await firstValueFrom(first.status.pipe(filter((s) => s.counts.pushed > 0)));
    while (lost < 4) await new Promise((r) => setTimeout(r, 20));
    await first.close();

    proxy.tamper = ({ path, request }) => {
      if (path === '/offline/push') {
        const id = (request as { bundle_id: string }).bundle_id;
        sent.set(id, (sent.get(id) ?? new Set()).add(JSON.stringify(request)));
      }
      return null;
    };
    const second = await open();
    await firstValueFrom(second.status.pipe(filter((s) => s.counts.accepted === SALES)));
    await second.close();
    proxy.tamper = null;

    for (const [, bodies] of sent) expect(bodies.size).toBe(1);
    const stored = await server.pool.query<{ bundle_id: string; n: string }>(
      `select b.bundle_id, count(t.*)::text as n
         from offline_tx_bundles b join offline_transactions t on t.bundle_id = b.bundle_id
        group by b.bundle_id`,
    );
    expect(new Set(stored.rows.map((r) => r.bundle_id))).toEqual(new Set(sent.keys()));
    expect(stored.rows.reduce((sum, r) => sum + Number(r.n), 0)).toBe(SALES);
  }, 60_000);
});
