/**
 * Positions and bookmarks (#22) in the real encrypted store, on the real keychain: they survive a
 * restart, and nothing of them can be read from the data directory without the key.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppDatabase } from '../store/database';
import { realKeychain, tempDir, type RealKeychain } from '../store/test-support';
import { ReadingStore } from './reading-store';

const MATERIAL = '6f1c2d9e-1a43-4b7e-9c55-2d0f4e6a8b11';
const LABEL = 'OUTPOST-BOOKMARK-MARKER photosynthesis in leaves';
const POSITION = 'page:OUTPOST-POSITION-MARKER-157';

let keychain: RealKeychain;
const dir = tempDir('outpost-reading-');

beforeAll(async () => {
  keychain = await realKeychain();
});
afterAll(async () => {
  await keychain.cleanup();
  dir.remove();
});

function filesUnder(path: string): string[] {
  return readdirSync(path).flatMap((name) => {
    const full = join(path, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe('ReadingStore', () => {
  it('keeps the place and bookmarks across a restart, encrypted on disk', async () => {
    const first = await openAppDatabase({ dataDir: dir.path, keyStore: keychain.keyStore });
    const saved = await new ReadingStore(first.rx.collections.reading).save(MATERIAL, {
      position: POSITION,
      bookmarks: [{ at: 'page:5', label: LABEL, createdAt: '2026-12-05T10:00:00.000Z' }],
    });
    expect(saved.position).toBe(POSITION);
    await first.close();

    // An attacker with the data directory but not the keychain: no marker in any file.
    const files = filesUnder(dir.path);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = readFileSync(file);
      expect(bytes.includes(Buffer.from('OUTPOST-BOOKMARK-MARKER')), file).toBe(false);
      expect(bytes.includes(Buffer.from('OUTPOST-POSITION-MARKER')), file).toBe(false);
    }

    const again = await openAppDatabase({ dataDir: dir.path, keyStore: keychain.keyStore });
    const store = new ReadingStore(again.rx.collections.reading);
    expect(await store.get(MATERIAL)).toEqual({
      position: POSITION,
      bookmarks: [{ at: 'page:5', label: LABEL, createdAt: '2026-12-05T10:00:00.000Z' }],
    });
    await store.forget(MATERIAL);
    expect(await store.get(MATERIAL)).toEqual({ position: null, bookmarks: [] });
    await again.close();
  });
});
