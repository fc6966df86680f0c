/**
 * Files written before the compact keys (issue #21) open and are converted once, and a SIGKILL at
 * any point of the conversion leaves a file that opens, on one layout or the other, with every row.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fillWithDefaultSettings, getIndexableStringMonad } from 'rxdb';
import type { RxDocumentData, RxJsonSchema } from 'rxdb';
import { describe, expect, it } from 'vitest';
import { decodeIndexKey, toFirstLayout } from './fixtures/first-layout';
import { findOpenFile } from './files';
import { getIndexColumns } from './indexes';
import { openAppDatabase } from './index';
import { saleSchema, type SaleDoc } from './schemas/index';
import { openWithKey, type SqliteDatabase } from './sqlite';
import { useKeychainAndDir } from './test-hooks';

const store = useKeychainAndDir();
const converter = fileURLToPath(new URL('./fixtures/layout-converter.ts', import.meta.url));
const SALES = 3000;
const DEVICES = ['OP-ABCDEFGHJKMNPQRS', 'OP-ABCDEFGHJKMNPQRT', 'pos 2', 'pos\t1', 'pos-é'];
const DAY = Date.UTC(2025, 0, 2);

function sale(seq: number): SaleDoc {
  return {
    id: `sale-${String(seq).padStart(6, '0')}-${(seq * 7919) % 1000}`,
    deviceId: DEVICES[seq % DEVICES.length]!,
    seq,
    prevHash: '0'.repeat(64),
    hash: '1'.repeat(64),
    createdAt: DAY - 3600_000 + seq * 60_000,
    currency: 'XOF',
    totalMinor: 1000 + seq,
    lines: [{ sku: 'x', name: 'x', qty: 1, unitPriceMinor: 1000 + seq, taxRate: 0, totalMinor: 1000 + seq }],
    tenders: [{ kind: 'cash', amountMinor: 1000 + seq }],
    status: seq % 3 ? 'recorded' : 'queued',
    online: false,
  } as SaleDoc;
}

/** A file of the first layout holding SALES sales; returns its path and the raw key opener. */
async function firstLayoutFile(name: string) {
  const app = await openAppDatabase({ dataDir: store.dir.path, keyStore: store.keychain.keyStore, name });
  await app.rx.sales.bulkInsert(Array.from({ length: SALES }, (_, i) => sale(i)));
  const path = app.filePath;
  await app.close();
  const { current } = await store.keychain.keys.keysForExistingDatabase(name);
  const open = () => openWithKey(path, current!, false)!;
  const db = open();
  expect(toFirstLayout(db)).toContain('sales-2');
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { path, open };
}

function layoutOf(db: SqliteDatabase, table: string): 'first' | 'keys' {
  const indexes = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?")
    .pluck()
    .all(table) as string[];
  const blobs = db
    .prepare(`SELECT count(*) FROM "${table}" WHERE typeof(i0) = 'blob'`)
    .pluck()
    .get() as number;
  const rows = db.prepare(`SELECT count(*) FROM "${table}"`).pluck().get() as number;
  if (indexes.includes(`${table}__k0`) && !indexes.includes(`${table}__i0`) && blobs === rows) return 'keys';
  if (indexes.includes(`${table}__i0`) && !indexes.includes(`${table}__k0`) && blobs === 0) return 'first';
  throw new Error(`${table} is on neither layout: ${indexes.join(', ')}; ${blobs} of ${rows} keys are BLOBs`);
}

/** Opens through the app, checks every sale is there and that index ranges answer as before. */
async function expectConvertedAndWhole(name: string): Promise<void> {
  const app = await openAppDatabase({ dataDir: store.dir.path, keyStore: store.keychain.keyStore, name });
  const db = findOpenFile(app.filePath)?.db;
  if (!db) throw new Error('database file is not open');
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(layoutOf(db, 'sales-2')).toBe('keys');
  expect(await app.rx.sales.count().exec()).toBe(SALES);
  const day = await app.rx.sales
    .find({
      selector: { deviceId: 'pos\t1', createdAt: { $gte: DAY, $lt: DAY + 86_400_000 } },
      sort: [{ createdAt: 'asc' }],
    })
    .exec();
  const expected = Array.from({ length: SALES }, (_, i) => sale(i))
    .filter((s) => s.deviceId === 'pos\t1' && s.createdAt >= DAY && s.createdAt < DAY + 86_400_000)
    .map((s) => s.seq);
  expect(expected.length).toBeGreaterThan(100);
  expect(day.map((d) => d.seq)).toEqual(expected);
  expect(await app.rx.sales.count({ selector: { status: 'queued' } }).exec()).toBe(SALES / 3);
  await app.close();
}

/** Runs the converter child, which SIGKILLs itself at `point`; returns the points it passed. */
function convertAndKill(name: string, point: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', converter, store.dir.path, name, store.keychain.service, point],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(stdout.split('\n').filter(Boolean));
      else reject(new Error(`converter ended with ${code ?? signal} before ${point}: ${stdout} ${stderr}`));
    });
  });
}

describe('layout migration to compact index keys', () => {
  it('the first layout is what files written before hold: RxDB strings as sortable text', async () => {
    const name = 'layoutfirst';
    const { open } = await firstLayoutFile(name);
    const db = open();
    const schema = fillWithDefaultSettings(saleSchema) as RxJsonSchema<RxDocumentData<unknown>>;
    const columns = getIndexColumns(schema);
    const rows = db.prepare('SELECT data, i0, i1, i2, i3 FROM "sales-2" LIMIT 50').raw().all() as string[][];
    for (const [data, ...keys] of rows) {
      columns.forEach((c, i) => {
        const rxdb = (getIndexableStringMonad(schema, [...c.fields]) as (d: unknown) => string)(
          JSON.parse(data!),
        );
        expect(keys[i]).toBe(rxdb);
        expect(decodeIndexKey(c.key(JSON.parse(data!)))).toBe(rxdb);
      });
    }
    expect(layoutOf(db, 'sales-2')).toBe('first');
    db.close();
    await expectConvertedAndWhole(name);
    // Converted once: the next open finds the new layout and runs no conversion.
    const again = open();
    expect(layoutOf(again, 'sales-2')).toBe('keys');
    again.close();
  });

  it('a SIGKILL at any point of the conversion leaves a whole file on one layout, converted at the next open', async () => {
    const name = 'layoutcrash';
    const { path, open } = await firstLayoutFile(name);
    const pristine = `${path}.first`;
    copyFileSync(path, pristine);
    const points = ['row:1000', `row:${SALES / 2}`, `row:${SALES - 100}`, 'indexes', 'open'];
    const seen: string[] = [];
    for (const label of points) {
      for (const suffix of ['-wal', '-shm']) rmSync(path + suffix, { force: true });
      copyFileSync(pristine, path);
      const printed = await convertAndKill(name, label);
      expect(printed.at(-1)).toBe(label);
      const db = open();
      expect(db.pragma('integrity_check', { simple: true }), label).toBe('ok');
      expect(db.prepare('SELECT count(*) FROM "sales-2"').pluck().get(), label).toBe(SALES);
      const layout = layoutOf(db, 'sales-2');
      // Killed before the commit: SQLite rolled the conversion back; after it: converted.
      expect(layout, label).toBe(label === 'open' ? 'keys' : 'first');
      seen.push(`${label}: ${layout}`);
      db.close();
      await expectConvertedAndWhole(name);
    }
    expect(seen).toEqual([
      'row:1000: first',
      `row:${SALES / 2}: first`,
      `row:${SALES - 100}: first`,
      'indexes: first',
      'open: keys',
    ]);
    rmSync(pristine);
  }, 180_000);
});
