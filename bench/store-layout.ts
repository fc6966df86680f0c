/**
 * `npm run bench -- store-layout`: the one-time conversion of a file of the first layout (index
 * columns as RxDB's strings, before issue #21) to compact keys, at POS scale. Builds
 * BENCH_STORE_LAYOUT_SALES sales (default 1,000,000) through our storage, turns the file back into
 * the first layout, then times the open that converts it, by phase: how long a till that upgrades
 * is blocked at its first open. The limit beside it: building the same four indexes on the file's
 * plain TEXT columns alone (no row rewritten), the least any change of index layout costs.
 */
import { statSync } from 'node:fs';
import { conversionRoom } from '../src-main/core/store/conversion-room';
import { toFirstLayout } from '../src-main/core/store/fixtures/first-layout';
import { conversionProgress } from '../src-main/core/store/layout';
import { saleSchema } from '../src-main/core/store/schemas/index';
import { openWithKey } from '../src-main/core/store/sqlite';
import { getRxStorageSqlite } from '../src-main/core/store/storage';
import { realKeychain, tempDir } from '../src-main/core/store/test-support';
import { instance, makeSale } from './store';

const SALES = Number(process.env.BENCH_STORE_LAYOUT_SALES ?? 1_000_000);
const TABLE = `sales-${saleSchema.version}`;

const seconds = (ms: number) => Math.round(ms / 100) / 10;
const mb = (path: string) => {
  try {
    return Math.round(statSync(path).size / 1e5) / 10;
  } catch {
    return 0;
  }
};

export async function run(): Promise<Record<string, unknown>> {
  const keychain = await realKeychain();
  const dir = tempDir('outpost-bench-layout-');
  try {
    const storage = getRxStorageSqlite({ databaseDir: dir.path, keyProvider: keychain.keys });
    const name = 'layout';
    const path = storage.filePath(name);
    console.log(`building ${SALES} sales...`);
    let start = performance.now();
    const store = await instance(storage, name);
    for (let i = 0; i < SALES; i += 5000) {
      const rows = Array.from({ length: Math.min(5000, SALES - i) }, (_, j) => ({
        document: makeSale(i + j, 365, SALES),
      }));
      await store.bulkWrite(rows, 'bench-layout');
    }
    await store.close();
    const buildSeconds = seconds(performance.now() - start);
    const keysFileMB = mb(path);

    const key = (await keychain.keys.keysForExistingDatabase(name)).current!;
    console.log('back to the first layout...');
    let db = openWithKey(path, key, false)!;
    start = performance.now();
    toFirstLayout(db);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const downgradeSeconds = seconds(performance.now() - start);
    // The limit: the first layout's four indexes built again over its TEXT columns, nothing else.
    const indexes = db
      .prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name GLOB '*__i*'",
      )
      .raw()
      .all(TABLE) as [string, string][];
    start = performance.now();
    db.transaction(() => {
      for (const [index] of indexes) db.exec(`DROP INDEX "${index}"`);
      for (const [, sql] of indexes) db.exec(sql);
    })();
    const indexRebuildOnlySeconds = seconds(performance.now() - start);
    db.pragma('wal_checkpoint(TRUNCATE)');
    // The room the open checks for before converting (conversion-room.ts), beside what it used.
    const estimatedRoomMB = Math.round(conversionRoom(db).neededBytes / 1e5) / 10;
    db.close();
    const firstFileMB = mb(path);

    console.log('converting at open...');
    let rowsAt = 0;
    let indexesAt = 0;
    conversionProgress.onRow = (rows) => {
      if (rows === 1 && rowsAt === 0) rowsAt = performance.now();
    };
    conversionProgress.onIndexes = () => {
      indexesAt = performance.now();
    };
    // The WAL at the commit, before the conversion truncates it: what the disk had to hold.
    let walMBAtCommit = 0;
    conversionProgress.onCommitted = () => {
      walMBAtCommit = Math.max(walMBAtCommit, mb(`${path}-wal`) + mb(`${path}-shm`));
    };
    start = performance.now();
    const cpu = process.cpuUsage();
    const converted = await instance(storage, name);
    const openMs = performance.now() - start;
    const cpuMs = (process.cpuUsage(cpu).user + process.cpuUsage(cpu).system) / 1000;
    const walMB = mb(`${path}-wal`);
    await converted.close();
    db = openWithKey(path, key, false)!;
    const rows = db.prepare(`SELECT count(*) FROM "${TABLE}"`).pluck().get() as number;
    const keyIndexes = db
      .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name GLOB ?")
      .pluck()
      .get(`${TABLE}__k*`) as number;
    db.close();
    if (rows !== SALES || keyIndexes !== indexes.length) {
      throw new Error(`after the conversion: ${rows} rows, ${keyIndexes} key indexes`);
    }
    conversionProgress.onRow = undefined;
    conversionProgress.onIndexes = undefined;
    conversionProgress.onCommitted = undefined;
    const result = {
      sales: SALES,
      buildSeconds,
      keysFileMB,
      firstLayoutFileMB: firstFileMB,
      downgradeSeconds,
      conversion: {
        blockedSeconds: seconds(openMs),
        cpuSeconds: seconds(cpuMs),
        reencodeRowsSeconds: seconds(indexesAt - (rowsAt || start)),
        buildIndexesAndCommitSeconds: seconds(start + openMs - indexesAt),
        walMBAfter: walMB,
        walAndShmMBAtCommit: walMBAtCommit,
        estimatedRoomMB,
      },
      limitIndexRebuildOnlySeconds: indexRebuildOnlySeconds,
      ratioToLimit: Math.round((openMs / 1000 / Math.max(indexRebuildOnlySeconds, 0.1)) * 100) / 100,
      fileMBAfter: mb(path),
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    dir.remove();
    await keychain.cleanup();
  }
}
