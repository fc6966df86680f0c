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
import { decodeIndexKey } from './fixtures/first-layout';
import {
  expectConvertedAndWhole as convertedAndWhole,
  firstLayoutFile as writeFirstLayoutFile,
  layoutOf,
  SALES,
} from './fixtures/first-layout-file';
import { getIndexColumns } from './indexes';
import { saleSchema } from './schemas/index';
import { useKeychainAndDir } from './test-hooks';

const store = useKeychainAndDir();
const converter = fileURLToPath(new URL('./fixtures/layout-converter.ts', import.meta.url));
const firstLayoutFile = (name: string) => writeFirstLayoutFile(store.dir.path, store.keychain, name);
const expectConvertedAndWhole = (name: string) =>
  convertedAndWhole(store.dir.path, store.keychain.keyStore, name);

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
