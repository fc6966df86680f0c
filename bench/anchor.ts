/**
 * Anti-rollback anchor benchmark (issue #16, ninth red-team pass M-1). Every sale, refund and void
 * is anchored in the OS keychain before the cashier sees it acknowledged
 * (src-main/core/trust/rollback-anchor.ts): one more store write (the generation) and one keychain
 * write. This measures what that adds to a sale, against the sale's own durable store write, on
 * the real encrypted store and the real Secret Service (gnome-keyring over D-Bus, started privately
 * when the process has no session bus). Targets are reported, never asserted.
 *
 *   npm run bench -- anchor        (writes bench/results/anchor.json)
 * Env: BENCH_ANCHOR_RUNS (default 300) writes of each kind, interleaved.
 */
import { randomUUID } from 'node:crypto';
import { openAppDatabase } from '../src-main/core/store/database';
import type { SaleDoc } from '../src-main/core/store/schemas/index';
import { realKeychain, tempDir } from '../src-main/core/store/test-support';
import { RollbackAnchor } from '../src-main/core/trust/rollback-anchor';

const RUNS = Number(process.env.BENCH_ANCHOR_RUNS ?? 300);

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(3));
}

const summary = (xs: number[]) => ({
  p50: percentile(xs, 50),
  p95: percentile(xs, 95),
  p99: percentile(xs, 99),
});

function saleDoc(seq: number): SaleDoc {
  return {
    id: randomUUID(),
    deviceId: 'OP-BENCH',
    seq,
    prevHash: 'p'.repeat(43),
    hash: 'h'.repeat(43),
    createdAt: Date.now(),
    currency: 'XOF',
    totalMinor: 1000,
    lines: [{ sku: 'rice', name: 'Riz 1kg', qty: 1, unitPriceMinor: 1000, taxRate: 0, totalMinor: 1000 }],
    tenders: [{ kind: 'cash', amountMinor: 1000 }],
    status: 'recorded',
    online: false,
    kind: 'sale',
    shiftId: 'shift',
    record: '{}',
    updatedAt: Date.now(),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const keychain = await realKeychain();
  const dir = tempDir('outpost-bench-anchor-');
  const db = await openAppDatabase({ dataDir: dir.path, keyStore: keychain.keyStore, validate: false });
  try {
    const anchor = await RollbackAnchor.open({
      keyStore: keychain.keyStore,
      settings: db.rx.collections.settings,
    });
    const till = anchor.forTill();
    const saleWrite: number[] = [];
    const anchorWrite: number[] = [];
    const keychainOnly: number[] = [];
    for (let seq = 1; seq <= RUNS; seq++) {
      const t0 = performance.now();
      await db.rx.collections.sales.insert(saleDoc(seq));
      const t1 = performance.now();
      await till.recorded('OP-BENCH', { seq, hash: 'h'.repeat(43) });
      const t2 = performance.now();
      // The limit: the keychain write alone, without the store's generation.
      await keychain.keyStore.set('bench:raw', Buffer.from(String(seq)));
      const t3 = performance.now();
      saleWrite.push(t1 - t0);
      anchorWrite.push(t2 - t1);
      keychainOnly.push(t3 - t2);
    }
    const figures = {
      runs: RUNS,
      keychain: 'gnome-keyring (Secret Service over D-Bus) through keytar',
      saleInsertMs: summary(saleWrite),
      anchorMs: summary(anchorWrite),
      keychainWriteOnlyMs: summary(keychainOnly),
      anchorOverSaleInsertP50: Number((percentile(anchorWrite, 50) / percentile(saleWrite, 50)).toFixed(2)),
    };
    console.log(JSON.stringify(figures, null, 2));
    return figures;
  } finally {
    await db.close();
    dir.remove();
    await keychain.cleanup();
  }
}
