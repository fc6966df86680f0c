import { randomUUID } from 'node:crypto';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { firstValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateHpkeKeyPair } from '../../../protocol/hpke';
import { startTestServer, type TestServer } from '../../../server/testing/harness';
import { startTamperingProxy, type TamperingProxy } from '../../../test/integration/tampering-proxy';
import { tillEnrollmentCode } from '../../../test/support/till';
import { MemoryKeyStore, OfflineTerminal } from './index';

/**
 * The SDK's promises against the real server, with an attacker's proxy between: an enrollment
 * answer whose sealing key was swapped enrolls nothing; a pull answer rewritten to say the sales
 * were reconciled moves nothing. Each answer is applied only when the server's signed statement
 * covers it, checked against the key the terminal pinned.
 */
let server: TestServer;
let proxy: TamperingProxy;
const open: OfflineTerminal[] = [];

beforeAll(async () => {
  server = await startTestServer();
  proxy = await startTamperingProxy(server.url);
}, 60_000);
afterEach(() => {
  proxy.tamper = null;
});
afterAll(async () => {
  for (const t of open) await t.close();
  await proxy?.close();
  await server?.close();
});

const newCode = () => tillEnrollmentCode(server, 'shop-sdk');

async function terminalBehindProxy(): Promise<OfflineTerminal> {
  const terminal = await OfflineTerminal.initialize({
    serverUrl: proxy.url,
    storage: getRxStorageMemory(),
    keyStore: new MemoryKeyStore(),
    databaseName: `t${randomUUID().replaceAll('-', '').slice(0, 20)}`,
  });
  open.push(terminal);
  return terminal;
}

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (e: unknown) => (e as { code?: string }).code,
  );

describe('the terminal SDK behind an attacker’s proxy', () => {
  it('an enrollment answer with the sealing key swapped for the proxy’s enrolls nothing', async () => {
    const terminal = await terminalBehindProxy();
    // With the proxy's HPKE key every bundle would be the proxy's to read: the statement covers it.
    const proxyKey = generateHpkeKeyPair().publicKey;
    proxy.tamper = ({ path, answer }) => {
      if (path !== '/offline/enroll') return null;
      const a = structuredClone(answer) as { server: Record<string, unknown> };
      return { body: { ...a, server: { ...a.server, hpke_public_key: proxyKey } } };
    };
    expect(await codeOf(terminal.registerDevice(await newCode()))).toBe('POLICY_STATEMENT_INVALID');
    expect(terminal.enrollment.state).toBe('not_enrolled');
    expect(
      await codeOf(
        terminal.createOfflineTransaction({
          lines: [{ sku: 'a', name: 'A', qty: 1, unitPriceMinor: 100 }],
          cashMinor: 100,
        }),
      ),
    ).toBe('NOT_ENROLLED');
  });

  it('a pull answer rewritten to say the sales were reconciled moves nothing', async () => {
    const terminal = await terminalBehindProxy();
    await terminal.registerDevice(await newCode());
    await terminal.createOfflineTransaction({
      lines: [{ sku: 'rice-1kg', name: 'Riz', qty: 1, unitPriceMinor: 1000, taxRateBp: 1800 }],
      cashMinor: 2000,
    });
    expect((await terminal.syncNow()).counts).toMatchObject({ accepted: 1, reconciled: 0 });

    // The push was accepted; a proxy now tells the terminal the worker reconciled it (it did not).
    const { rows } = await server.pool.query<{ bundle_id: string }>(
      'select bundle_id from offline_tx_bundles where device_id = $1',
      [terminal.deviceId],
    );
    expect(rows).toHaveLength(1);
    proxy.tamper = ({ path, answer }) => {
      if (path !== '/offline/sync/payments') return null;
      const a = structuredClone(answer) as { bundles: unknown[] };
      return {
        body: {
          ...a,
          bundles: [
            {
              bundle_id: rows[0]!.bundle_id,
              status: 'reconciled',
              reasons: [],
              updated_at: new Date().toISOString(),
            },
          ],
        },
      };
    };
    const forged = await terminal.syncNow();
    expect(forged.lastErrorCode).toBe('POLICY_STATEMENT_INVALID');
    expect(forged.counts).toMatchObject({ accepted: 1, reconciled: 0 });
    expect((await terminal.sales()).map((s) => s.state)).toEqual(['accepted']);
    expect((await firstValueFrom(terminal.status)).counts.reconciled).toBe(0);
  });
});
