/**
 * The layout conversion on a disk without room for it (issue #21 follow-up), on a real tmpfs: a
 * refusal before anything is written, a disk filling during the conversion, and the estimate not
 * refusing a conversion that fits. Mounting needs root (CI runs as root); elsewhere the file is
 * skipped, its name saying why.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversionRoom } from './conversion-room';
import { mb } from './errors';
import { expectConvertedAndWhole, firstLayoutFile, layoutOf, SALES } from './fixtures/first-layout-file';
import { mountTmpfs, tmpfsRefused, type Tmpfs } from './fixtures/tmpfs';
import { openAppDatabase } from './index';
import { conversionProgress } from './layout';
import { useKeychainAndDir } from './test-hooks';

const TMPFS_BYTES = 64 * 1024 * 1024;
const skipped = tmpfsRefused();

const store = useKeychainAndDir();

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe.skipIf(skipped !== null)(
  `the layout conversion on a full disk${skipped ? ` (skipped: ${skipped})` : ''}`,
  () => {
    let disk: Tmpfs;
    let pristine: string;
    let dataDir: string;
    let open: Awaited<ReturnType<typeof firstLayoutFile>>['open'];
    let onDisk: string;
    const name = 'layoutdisk';

    /** Fills the disk until `bytes` are free. */
    function leaveFree(bytes: number): void {
      disk.leaveFree(bytes);
      expect(disk.free()).toBeLessThanOrEqual(bytes + 4096);
    }

    /** A fresh copy of the first-layout file on the tmpfs and the room its conversion needs. */
    function freshCopy() {
      disk.makeRoom();
      rmSync(dataDir, { recursive: true, force: true });
      mkdirSync(dataDir);
      copyFileSync(pristine, onDisk);
      const db = open(onDisk);
      const room = conversionRoom(db);
      db.close();
      return room;
    }

    function expectWholeFirstLayout(): void {
      const db = open(onDisk);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(layoutOf(db, 'sales-2')).toBe('first');
      expect(db.prepare('SELECT count(*) FROM "sales-2"').pluck().get()).toBe(SALES);
      db.close();
    }

    beforeAll(async () => {
      const mounted = mountTmpfs(TMPFS_BYTES);
      if (typeof mounted === 'string') throw new Error(mounted);
      disk = mounted;
      const written = await firstLayoutFile(store.dir.path, store.keychain, name);
      pristine = written.path;
      open = written.open;
      dataDir = join(disk.path, 'data');
      onDisk = join(dataDir, `${name}.sqlite`);
    }, 60_000);

    afterAll(() => {
      conversionProgress.onRow = undefined;
      conversionProgress.onCommitted = undefined;
      disk?.unmount();
    });

    it('refuses before writing anything when the room is not there, then converts once it is', async () => {
      const room = freshCopy();
      expect(room.directory).toBe(dataDir);
      leaveFree(Math.floor(room.neededBytes / 2));
      const before = sha256(onDisk);
      const refused = openAppDatabase({ dataDir, keyStore: store.keychain.keyStore, name });
      await expect(refused).rejects.toMatchObject({
        code: 'STORE_DISK_FULL',
        neededBytes: room.neededBytes,
        directory: dataDir,
      });
      const message = ((await refused.catch((e: unknown) => e)) as Error).message;
      expect(message).toContain(`needs ${mb(room.neededBytes)} MB free`);
      expect(message).toContain(dataDir);
      // Not a byte written, and the file closed (its WAL gone).
      expect(sha256(onDisk)).toBe(before);
      expect(existsSync(`${onDisk}-wal`)).toBe(false);
      expectWholeFirstLayout();
      disk.makeRoom();
      await expectConvertedAndWhole(dataDir, store.keychain.keyStore, name);
      // The conversion's WAL was given back at once, not held until the app closes.
      expect(existsSync(`${onDisk}-wal`)).toBe(false);
    }, 60_000);

    it('answers a disk that fills during the conversion with the same error; the rollback keeps every sale', async () => {
      const room = freshCopy();
      leaveFree(room.neededBytes + 1024 * 1024);
      conversionProgress.onRow = (rows) => {
        if (rows === SALES / 2) leaveFree(16 * 1024);
      };
      try {
        const refused = openAppDatabase({ dataDir, keyStore: store.keychain.keyStore, name });
        await expect(refused).rejects.toMatchObject({
          code: 'STORE_DISK_FULL',
          neededBytes: room.neededBytes,
          cause: { code: 'SQLITE_FULL' },
        });
      } finally {
        conversionProgress.onRow = undefined;
      }
      expect(existsSync(`${onDisk}-wal`)).toBe(false);
      expectWholeFirstLayout();
      disk.makeRoom();
      await expectConvertedAndWhole(dataDir, store.keychain.keyStore, name);
    }, 60_000);

    it('does not refuse a conversion that fits with a quarter to spare, and its bound holds', async () => {
      // What the conversion really takes on the disk: the most it used at any commit.
      const room = freshCopy();
      const start = disk.free();
      let used = 0;
      conversionProgress.onCommitted = () => {
        used = Math.max(used, start - disk.free());
      };
      try {
        await expectConvertedAndWhole(dataDir, store.keychain.keyStore, name);
      } finally {
        conversionProgress.onCommitted = undefined;
      }
      expect(used).toBeGreaterThan(0);
      expect(room.neededBytes).toBeGreaterThanOrEqual(used);
      console.info(`conversion of ${SALES} sales: used ${used} bytes, estimated ${room.neededBytes}`);

      expect(freshCopy().neededBytes).toBe(room.neededBytes);
      leaveFree(Math.ceil(used * 1.25));
      await expectConvertedAndWhole(dataDir, store.keychain.keyStore, name);
    }, 60_000);
  },
);
