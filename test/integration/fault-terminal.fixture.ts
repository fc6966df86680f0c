/**
 * A till in its own process, for fault.integration.test.ts: the test kills it with SIGKILL while a
 * push is in flight and starts it again on the same data directory and keychain entry. It prints one
 * JSON line per fact the test relies on, and prints a sale only once capture has returned (the sale
 * is then acknowledged to the cashier).
 *
 * Env: FAULT_DATA_DIR, FAULT_SERVER_URL, FAULT_KEYTAR_SERVICE, FAULT_CODE (first run: enrol),
 * FAULT_CAPTURE (sales to ring up), FAULT_MODE (`push`: one sync round, then wait to be killed;
 * `settle`: sync until FAULT_UNTIL is reached), FAULT_UNTIL (`accepted` | `reconciled:<n>`),
 * FAULT_PULL_PAGE (pull page size).
 */
import { KeytarKeyStore } from '../../native/keystore';
import { ApiError, type SyncStatus } from '../../protocol/api';
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore } from '../../src-main/core/index';
import { signedIn } from '../support/till';

const env = process.env;
const say = (fact: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(fact)}\n`);

const core = await createCore({
  dataDir: env.FAULT_DATA_DIR!,
  appVersion: '0.0.0-test',
  platform: 'linux',
  defaultServerUrl: env.FAULT_SERVER_URL!,
  keyStore: new KeytarKeyStore({ service: env.FAULT_KEYTAR_SERVICE! }),
  reachabilityIntervalMs: 100,
  // Retries quickly so the test waits for states, not for minutes of backoff.
  sync: {
    backoffBaseMs: 50,
    backoffMaxMs: 400,
    intervalMs: 0,
    ...(env.FAULT_PULL_PAGE ? { pullPageSize: Number(env.FAULT_PULL_PAGE) } : {}),
  },
});
const call = (method: string, input: unknown = {}) => callCommand(core.handlers, method, input);

if (env.FAULT_CODE) await call('enrollment.redeemCode', { code: env.FAULT_CODE });
try {
  await signedIn(call);
  await call('pos.shift.open', { floatMinor: 10_000 });
} catch (error) {
  if (!(error instanceof ApiError && error.code === 'SHIFT_ALREADY_OPEN')) throw error;
}
say({ event: 'ready' });

for (let i = 0; i < Number(env.FAULT_CAPTURE ?? 0); i++) {
  const sale = (await call('pos.sale.capture', {
    lines: [{ sku: 'rice-1kg', name: 'Riz 1kg', qty: 1 + i, unitPriceMinor: 1000, taxRateBp: 1800 }],
    tenders: [{ type: 'cash', amountMinor: 10_000 }],
  })) as { saleId: string };
  say({ event: 'captured', saleId: sale.saleId });
}

const done = (s: SyncStatus) => {
  const until = env.FAULT_UNTIL ?? 'accepted';
  if (until.startsWith('reconciled:')) return s.counts.reconciled >= Number(until.split(':')[1]);
  return s.counts.pending === 0 && s.counts.pushed === 0 && s.counts.rejected === 0;
};

if (env.FAULT_MODE === 'push') {
  say({ event: 'syncing' });
  say({ event: 'status', status: await call('sync.now') });
} else {
  for (let round = 0; ; round++) {
    const status = (await call('sync.now')) as SyncStatus;
    if (done(status)) {
      const catalog = (await call('pos.catalog.search', { query: '', limit: 100 })) as {
        items: unknown[];
      };
      say({ event: 'settled', status, catalogItems: catalog.items.length, rounds: round + 1 });
      break;
    }
    if (round > 600) throw new Error(`sync did not settle: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
await core.close();
process.exit(0);
