/**
 * The idle checkpoint on a disk that filled after the commit (a real tmpfs): the checkpoint copies
 * committed WAL frames into the file, which must grow, and fails with SQLITE_FULL. It runs from a
 * timer, so a throw there would end the till's process; it must be logged and leave every commit
 * in the WAL. Mounting needs root (CI runs as root); elsewhere the file is skipped, saying why.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IDLE_CHECKPOINT_MS } from './files';
import { mountTmpfs, tmpfsRefused, type Tmpfs } from './fixtures/tmpfs';
import { openAppDatabase } from './index';
import { useKeychainAndDir } from './test-hooks';

const skipped = tmpfsRefused();
const store = useKeychainAndDir();
const DOCS = 1500;

describe.skipIf(skipped !== null)(
  `the idle checkpoint on a full disk${skipped ? ` (skipped: ${skipped})` : ''}`,
  () => {
    let disk: Tmpfs;
    beforeAll(() => {
      const mounted = mountTmpfs(32 * 1024 * 1024);
      if (typeof mounted === 'string') throw new Error(mounted);
      disk = mounted;
    });
    afterAll(() => disk?.unmount());

    it('is logged, the process goes on, and every committed write is there after a restart', async () => {
      const dataDir = join(disk.path, 'data');
      const warn = vi.spyOn(console, 'warn');
      const app = await openAppDatabase({ dataDir, keyStore: store.keychain.keyStore, name: 'ckpt' });
      // Committed to the WAL; the file itself has none of these pages until a checkpoint.
      const value = JSON.stringify('x'.repeat(1000));
      await app.rx.settings.bulkInsert(
        Array.from({ length: DOCS }, (_, i) => ({ key: `k${i}`, value, updatedAt: i })),
      );
      disk.leaveFree(0);
      await new Promise((resolve) => setTimeout(resolve, IDLE_CHECKPOINT_MS * 4));
      const failed = warn.mock.calls.find((args) => String(args[0]).includes('idle checkpoint failed'));
      expect(failed, 'the checkpoint met the full disk').toBeDefined();
      expect(String((failed![1] as { code?: string }).code)).toBe('SQLITE_FULL');
      warn.mockRestore();
      // The process is alive and the store still answers from the WAL.
      expect(await app.rx.settings.count().exec()).toBe(DOCS);
      disk.makeRoom();
      await app.close();
      const again = await openAppDatabase({ dataDir, keyStore: store.keychain.keyStore, name: 'ckpt' });
      try {
        expect(await again.rx.settings.count().exec()).toBe(DOCS);
      } finally {
        await again.close();
      }
    }, 60_000);
  },
);
