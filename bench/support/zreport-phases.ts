/**
 * Where a Z-report's time goes after a reopen: `npx tsx bench/support/zreport-phases.ts [REOPENS]`.
 * One file with a 10,000-sale shift beside 10,000 earlier sales of the till; then, per reopen, the
 * CPU and wall time of each phase of shiftSales and the report, the first report and a second one.
 */
import { pathToFileURL } from 'node:url';
import { shiftSales, drawerMoves } from '../../src-main/core/pos/cashiering';
import { zReport } from '../../src-main/core/pos/zreport';
import { openAppDatabase, type AppDatabase } from '../../src-main/core/store/database';
import { addPosCollections } from '../../src-main/core/store/schemas/index';
import { realKeychain, tempDir, type RealKeychain } from '../../src-main/core/store/test-support';
import { profiled } from './profile';
import { writeShift } from './store-pos-scale';

const SHIFT_SALES = Number(process.env.BENCH_STORE_SHIFT_SALES ?? 10_000);

function open(dir: string, keychain: RealKeychain): Promise<AppDatabase> {
  return openAppDatabase({ dataDir: dir, keyStore: keychain.keyStore, name: 'posscale', validate: false });
}

async function phase<T>(
  out: Record<string, [number, number]>,
  name: string,
  fn: () => Promise<T>,
): Promise<T> {
  const c = process.cpuUsage();
  const t = performance.now();
  const r = await fn();
  const wall = performance.now() - t;
  const u = process.cpuUsage(c);
  out[name] = [Math.round(wall * 10) / 10, Math.round((u.user + u.system) / 100) / 10];
  return r;
}

export async function zReportPhases(keychain: RealKeychain, reopens: number) {
  const dir = tempDir('outpost-bench-zr-');
  try {
    let db = await open(dir.path, keychain);
    const shift = await writeShift(db, SHIFT_SALES);
    await db.close();
    const runs: Record<string, [number, number]>[] = [];
    for (let r = 0; r < reopens; r++) {
      const out: Record<string, [number, number]> = {};
      db = await phase(out, 'open', () => open(dir.path, keychain));
      const pos = await phase(out, 'addPosCollections', () => addPosCollections(db.rx));
      const c = { sales: db.rx.collections.sales, shifts: pos.shifts, audit: pos.audit };
      for (const which of ['first', 'second']) {
        const list = await phase(out, `${which}.shiftSales`, () =>
          profiled(`zreport-${which}-${r}`, () => shiftSales(c, shift)),
        );
        const moves = await phase(out, `${which}.drawerMoves`, () => drawerMoves(c, shift.id));
        const report = await phase(out, `${which}.zReport`, async () =>
          zReport(
            {
              shiftId: shift.id,
              openedAt: shift.openedAt,
              currency: shift.currency,
              floatMinor: shift.floatMinor,
            },
            list,
            0,
            Date.now(),
            moves,
          ),
        );
        if (report.sales.count + report.refunds.count !== SHIFT_SALES)
          throw new Error('Z-report missed sales');
      }
      await db.close();
      runs.push(out);
      console.log(JSON.stringify(out));
    }
    return runs;
  } finally {
    dir.remove();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const keychain = await realKeychain();
  try {
    await zReportPhases(keychain, Number(process.argv[2] ?? 5));
  } finally {
    await keychain.cleanup();
  }
}
