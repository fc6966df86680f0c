/**
 * A command-line payment terminal on @outpost/terminal-sdk, and nothing else of Outpost: what a
 * third party's terminal looks like. Sales are kept in RxDB's memory storage and the device keys in
 * memory, so everything is gone when it exits (a real terminal passes a persistent RxDB storage and
 * its platform's keychain).
 *
 *   npx tsx examples/terminal/terminal.ts --server http://127.0.0.1:8098
 *
 * Then type commands, one a line (amounts in the currency's minor units: XOF has none):
 *   enroll CODE                      enroll with a code from the back office (Tills)
 *   sell SKU QTY PRICE [TAX_BP] [CASH]  record a cash sale (exact cash unless CASH is given)
 *   sync                             push waiting sales, pull outcomes
 *   sales                            each sale and where it stands (pending … reconciled)
 *   qr AMOUNT                        a signed payment-request QR for AMOUNT
 *   quit
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { ApiError, MemoryKeyStore, OfflineTerminal, type SyncStatus } from '@outpost/terminal-sdk';

const { values } = parseArgs({
  options: { server: { type: 'string', default: process.env.OUTPOST_SERVER_URL ?? 'http://127.0.0.1:8098' } },
});

function counts(status: SyncStatus): string {
  const c = status.counts;
  return `pending=${c.pending} pushed=${c.pushed} accepted=${c.accepted} review=${c.review} quarantined=${c.quarantined} reconciled=${c.reconciled} rejected=${c.rejected}`;
}

async function run(terminal: OfflineTerminal, words: string[]): Promise<boolean> {
  const [command, ...args] = words;
  switch (command) {
    case 'enroll': {
      const enrollment = await terminal.registerDevice(args[0] ?? '');
      console.log(
        `enrolled ${terminal.deviceId} with ${enrollment.tenant?.id ?? '?'} (${enrollment.currency})`,
      );
      return true;
    }
    case 'sell': {
      const [sku = '', qty = '1', price = '0', taxBp = '0', cash] = args;
      const line = {
        sku,
        name: sku,
        qty: Number(qty),
        unitPriceMinor: Number(price),
        taxRateBp: Number(taxBp),
      };
      // Exact cash unless said: the total includes the tax, which the SDK works out.
      const cashMinor = cash === undefined ? terminal.quote([line]).totalMinor : Number(cash);
      const sale = await terminal.createOfflineTransaction({ lines: [line], cashMinor });
      console.log(
        `sold #${sale.seq} ${sale.localId} ${sale.totalMinor} ${sale.currency} change ${sale.changeMinor}`,
      );
      return true;
    }
    case 'sync': {
      const status = await terminal.syncNow();
      console.log(
        `synced ${status.state} ${counts(status)}${status.lastErrorCode ? ` error ${status.lastErrorCode}` : ''}`,
      );
      return true;
    }
    case 'sales': {
      for (const s of await terminal.sales())
        console.log(
          `sale #${s.seq} ${s.id} ${s.totalMinor} ${s.currency} ${s.state}${s.reason ? ` ${s.reason}` : ''}`,
        );
      console.log('end of sales');
      return true;
    }
    case 'qr': {
      const qr = await terminal.generateOfflineQR({ amountMinor: Number(args[0]) });
      console.log(`qr ${qr.qrData}`);
      return true;
    }
    case 'quit':
      return false;
    default:
      console.log(
        'commands: enroll CODE | sell SKU QTY PRICE [TAX_BP] [CASH] | sync | sales | qr AMOUNT | quit',
      );
      return true;
  }
}

const terminal = await OfflineTerminal.initialize({
  serverUrl: values.server,
  storage: getRxStorageMemory(),
  keyStore: new MemoryKeyStore(),
  platform: 'example-terminal',
});
console.log(`terminal ${terminal.deviceId} ready for ${values.server}`);

const lines = createInterface({ input: process.stdin, terminal: false });
for await (const line of lines) {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) continue;
  try {
    if (!(await run(terminal, words))) break;
  } catch (error) {
    const code = error instanceof ApiError ? error.code : 'ERROR';
    console.log(`error ${code}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
lines.close();
// `quit` with the input still open (a pipe, a terminal): nothing more is read from it.
process.stdin.destroy();
await terminal.close();
