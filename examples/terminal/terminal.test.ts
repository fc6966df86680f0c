import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLedgerCheck } from '../../server/sales/ledger-check';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import { runOnce } from '../../server/worker/reconcile';
import { tillEnrollmentCode } from '../../test/support/till';

/**
 * The example terminal (examples/terminal/terminal.ts, only @outpost/terminal-sdk's public API) run
 * as a person would, a process typed into, against the real server on real PostgreSQL: an operator
 * issues an enrollment code through the API, the terminal enrolls with it, sells, syncs; the real
 * worker reconciles; the terminal sees it, and the server's ledger holds each sale once, balanced.
 */
const ROOT = resolve(import.meta.dirname, '../..');
let server: TestServer;
let child: ChildProcessWithoutNullStreams | undefined;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  child?.kill();
  await server.close();
});

/** The example's output, line by line, and a way to type a command and wait for its answer. */
function startTerminal(url: string) {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'examples/terminal/terminal.ts', '--server', url],
    {
      cwd: ROOT,
    },
  );
  child = proc;
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let buffer = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  proc.on('exit', () => {
    for (const w of waiters.splice(0)) w();
  });
  let read = 0;
  /** The next line matching `pattern` (an `error …` line or an exit fails the wait). */
  async function until(pattern: RegExp): Promise<string> {
    for (;;) {
      while (read < lines.length) {
        const line = lines[read++]!;
        if (pattern.test(line)) return line;
        if (line.startsWith('error ')) throw new Error(`the terminal said: ${line}`);
      }
      if (proc.exitCode !== null) throw new Error(`the terminal exited (${proc.exitCode}): ${stderr}`);
      await new Promise<void>((r) => waiters.push(r));
    }
  }
  async function type(command: string, answer: RegExp): Promise<string> {
    proc.stdin.write(`${command}\n`);
    return until(answer);
  }
  /** Every line of the `sales` listing. */
  async function sales(): Promise<string[]> {
    proc.stdin.write('sales\n');
    const out: string[] = [];
    for (;;) {
      const line = await until(/^(sale #|end of sales)/);
      if (line === 'end of sales') return out;
      out.push(line);
    }
  }
  return { until, type, sales, proc };
}

describe('the example terminal against the real server', () => {
  it('enrolls with an operator’s code, sells, syncs, and sees its sales reconciled once, the ledger balanced', async () => {
    // An operator's code, as the back office's Tills page issues it (POST /offline/enrollment-codes).
    const code = await tillEnrollmentCode(server, 'shop-example');

    const terminal = startTerminal(server.url);
    const ready = await terminal.until(/^terminal OP-[0-9A-Z]{16} ready/);
    const deviceId = ready.split(' ')[1]!;
    expect(await terminal.type(`enroll ${code}`, /^enrolled /)).toBe(
      `enrolled ${deviceId} with shop-example (XOF)`,
    );
    const sold: string[] = [];
    for (const [qty, price] of [
      [1, 1000],
      [2, 500],
      [3, 250],
    ])
      sold.push(await terminal.type(`sell rice-1kg ${qty} ${price} 1800`, /^sold /));
    // 1000 + 18 % = 1180; 2 × 500 + 18 % = 1180; 3 × 250 = 750 + 135 = 885. Exact cash, no change.
    expect(sold.map((s) => s.split(' ').slice(3).join(' '))).toEqual([
      '1180 XOF change 0',
      '1180 XOF change 0',
      '885 XOF change 0',
    ]);
    const saleIds = sold.map((s) => s.split(' ')[2]!);

    expect(await terminal.type('sync', /^synced /)).toMatch(/^synced idle .*accepted=3 .*rejected=0$/);
    const bundles = await server.pool.query<{ status: string; device_id: string }>(
      'select status, device_id from offline_tx_bundles',
    );
    expect(bundles.rows.length).toBeGreaterThan(0);
    expect(new Set(bundles.rows.map((b) => `${b.device_id} ${b.status}`))).toEqual(
      new Set([`${deviceId} accepted`]),
    );

    // The worker posts the ledger; a second pass finds nothing left to do.
    await runOnce({ pool: server.pool });
    const ledgerRows = async () =>
      (
        await server.pool.query<{ sale_id: string; n: string }>(
          'select sale_id, count(*)::text as n from ledger_entries group by sale_id order by sale_id',
        )
      ).rows;
    const afterFirst = await ledgerRows();
    await runOnce({ pool: server.pool });
    expect(await terminal.type('sync', /^synced /)).toMatch(/^synced idle .*reconciled=3 rejected=0$/);
    // A sync after reconciliation and a second worker pass post nothing twice.
    expect(await terminal.type('sync', /^synced /)).toMatch(/reconciled=3/);
    expect(await ledgerRows()).toEqual(afterFirst);
    expect(afterFirst.map((r) => r.sale_id).sort()).toEqual([...saleIds].sort());
    expect(await runLedgerCheck(server.pool)).toMatchObject({ balanced: true });

    const listed = await terminal.sales();
    expect(listed).toEqual(
      saleIds.map((id, i) => expect.stringMatching(new RegExp(`^sale #${i + 1} ${id} \\d+ XOF reconciled$`))),
    );

    // The QR the terminal signs names it and the amount.
    expect(await terminal.type('qr 1500', /^qr /)).toMatch(/^qr OUTPOST1:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    terminal.proc.stdin.write('quit\n');
    await new Promise((r) => terminal.proc.once('exit', r));
    expect(terminal.proc.exitCode).toBe(0);
    // A child process compiling TypeScript on a busy two-core machine: a hang guard, not a threshold.
  }, 180_000);
});
