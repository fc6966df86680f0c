import { cpSync, rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openAppDatabase, type AppDatabase } from '../store/database';
import { realKeychain, tempDir, type RealKeychain } from '../store/test-support';
import { AnchorRecord, anchorAccount, GENERATION_SETTING, RollbackAnchor } from './rollback-anchor';

/**
 * The anchor's crash ordering against the real parts: the encrypted store on disk and the real
 * Secret Service. The store is written first, the keychain second, so a crash between them leaves
 * the store ahead (accepted); only a store behind the keychain is a rollback.
 */
let keychain: RealKeychain;
const dirs: { remove(): void }[] = [];
let db: AppDatabase | null = null;

beforeAll(async () => {
  keychain = await realKeychain();
}, 60_000);
afterEach(async () => {
  await db?.close();
  db = null;
});
afterAll(async () => {
  for (const d of dirs) d.remove();
  await keychain.cleanup();
});

let names = 0;
/** A fresh database name per test: its own key and anchor accounts in the keychain. */
function fresh(): { dataDir: string; name: string } {
  const dir = tempDir('outpost-anchor-');
  dirs.push(dir);
  return { dataDir: dir.path, name: `anchor-test-${++names}` };
}

async function open(at: { dataDir: string; name: string }): Promise<RollbackAnchor> {
  await db?.close();
  db = await openAppDatabase({ dataDir: at.dataDir, keyStore: keychain.keyStore, name: at.name });
  return RollbackAnchor.open({
    keyStore: keychain.keyStore,
    settings: db.rx.collections.settings,
    name: at.name,
  });
}

async function keychainRecord(name: string): Promise<AnchorRecord> {
  return AnchorRecord.parse(JSON.parse((await keychain.keyStore.get(anchorAccount(name)))!.toString('utf8')));
}

async function storeGeneration(): Promise<number> {
  const value = (await db!.rx.collections.settings.findOne(GENERATION_SETTING).exec())!.value;
  return (JSON.parse(value) as { generation: number }).generation;
}

const sale = (seq: number) => ({ deviceId: 'OP-TEST', seq, hash: `h${seq}` });

describe('RollbackAnchor', () => {
  it('anchors a first start from the store as it is, with nothing suspended', async () => {
    const at = fresh();
    const anchor = await open(at);
    expect(anchor.suspended('till') || anchor.suspended('reader')).toBe(false);
    expect((await keychainRecord(at.name)).generation).toBe(await storeGeneration());
  });

  it('accepts a store AHEAD of the keychain (a crash between the two writes) and re-anchors it', async () => {
    const at = fresh();
    const anchor = await open(at);
    await anchor.forTill().recorded('OP-TEST', sale(1));
    const before = await keychain.keyStore.get(anchorAccount(at.name));
    await anchor.forTill().recorded('OP-TEST', sale(2));
    // The crash: the store has sale 2's generation, the keychain never got it.
    await keychain.keyStore.set(anchorAccount(at.name), before!);
    const reopened = await open(at);
    expect(reopened.suspended('till')).toBe(false);
    expect(reopened.suspended('reader')).toBe(false);
    await expect(reopened.forTill().ready()).resolves.toBeUndefined();
    const record = await keychainRecord(at.name);
    expect(record.generation).toBe(await storeGeneration());
    expect(record.rollback).toBeNull();
  });

  it('treats a store BEHIND the keychain as rolled back until each side checks in, and keeps what it lost', async () => {
    const at = fresh();
    const anchor = await open(at);
    await anchor.forTill().recorded('OP-TEST', sale(1));
    await db!.close();
    db = null;
    const copy = tempDir('outpost-anchor-copy-');
    dirs.push(copy);
    cpSync(at.dataDir, copy.path, { recursive: true });
    const later = await open(at);
    await later.forTill().recorded('OP-TEST', sale(2));
    await later.forTill().saveLockout({ failures: 0, lockRemainingMs: 300_000 });
    await later.forReader().clockSaved(Date.parse('2030-01-01T00:00:00Z'));
    await db!.close();
    db = null;
    rmSync(at.dataDir, { recursive: true, force: true });
    cpSync(copy.path, at.dataDir, { recursive: true });

    const restored = await open(at);
    expect(restored.suspended('till')).toBe(true);
    expect(restored.suspended('reader')).toBe(true);
    await expect(restored.forTill().ready()).rejects.toMatchObject({ code: 'STORE_ROLLED_BACK' });
    expect(restored.forTill().head('OP-TEST')).toEqual({ deviceId: 'OP-TEST', seq: 2, hash: 'h2' });
    expect(restored.forTill().lost('OP-TEST')).toEqual([{ deviceId: 'OP-TEST', seq: 2, hash: 'h2' }]);
    expect(restored.forTill().lockout()).toEqual({ failures: 0, lockRemainingMs: 300_000 });
    expect(restored.forReader().highWaterMs()).toBe(Date.parse('2030-01-01T00:00:00Z'));
    // The store now carries the keychain's generation: only a check-in lifts the stop, not a restart.
    const again = await open(at);
    expect(again.suspended('till')).toBe(true);

    await again.checkedIn('till');
    expect(again.suspended('till')).toBe(false);
    expect(again.suspended('reader')).toBe(true);
    await again.forReader().checkedIn();
    expect((await keychainRecord(at.name)).rollback).toBeNull();
  });

  it('treats a new empty store on a keychain that holds an anchor as rolled back, keeping what it lost', async () => {
    const at = fresh();
    const anchor = await open(at);
    await anchor.forTill().recorded('OP-TEST', sale(7));
    await anchor.forTill().saveLockout({ failures: 0, lockRemainingMs: 300_000 });
    const generation = (await keychainRecord(at.name)).generation;
    await db!.close();
    db = null;
    rmSync(at.dataDir, { recursive: true, force: true });
    const deleted = await open(at);
    expect(deleted.firstStart).toBe(false);
    expect(deleted.suspended('till')).toBe(true);
    expect(deleted.suspended('reader')).toBe(true);
    expect(deleted.forTill().head('OP-TEST')).toEqual({ deviceId: 'OP-TEST', seq: 7, hash: 'h7' });
    expect(deleted.forTill().lost('OP-TEST')).toEqual([{ deviceId: 'OP-TEST', seq: 7, hash: 'h7' }]);
    expect(deleted.forTill().lockout()).toEqual({ failures: 0, lockRemainingMs: 300_000 });
    expect((await keychainRecord(at.name)).generation).toBeGreaterThan(generation);
  });

  it('only a new store on a keychain with no anchor is a first start', async () => {
    const at = fresh();
    expect((await open(at)).firstStart).toBe(true);
    expect((await open(at)).firstStart).toBe(false);
  });

  it('treats an anchored store whose keychain anchor was deleted as rolled back', async () => {
    const at = fresh();
    const anchor = await open(at);
    await anchor.forTill().recorded('OP-TEST', sale(1));
    await keychain.keyStore.delete(anchorAccount(at.name));
    const reopened = await open(at);
    expect(reopened.firstStart).toBe(false);
    expect(reopened.suspended('till')).toBe(true);
    expect(reopened.suspended('reader')).toBe(true);
    expect((await keychainRecord(at.name)).generation).toBe(await storeGeneration());
  });

  it('treats a store more than one write ahead of the keychain as rolled back', async () => {
    const at = fresh();
    const anchor = await open(at);
    const before = await keychain.keyStore.get(anchorAccount(at.name));
    await anchor.forTill().recorded('OP-TEST', sale(1));
    await anchor.forTill().recorded('OP-TEST', sale(2));
    // Two writes the keychain never got (a locked keyring refused them): no crash leaves that.
    await keychain.keyStore.set(anchorAccount(at.name), before!);
    const reopened = await open(at);
    expect(reopened.suspended('till')).toBe(true);
    expect(reopened.suspended('reader')).toBe(true);
  });

  it('treats a store at the keychain generation but of another epoch (a fork) as rolled back', async () => {
    const at = fresh();
    await open(at);
    const first = await keychain.keyStore.get(anchorAccount(at.name));
    const copy = async (): Promise<string> => {
      await db!.close();
      db = null;
      const dir = tempDir('outpost-anchor-fork-');
      dirs.push(dir);
      cpSync(at.dataDir, dir.path, { recursive: true });
      return dir.path;
    };
    const putBack = (from: string) => {
      rmSync(at.dataDir, { recursive: true, force: true });
      cpSync(from, at.dataDir, { recursive: true });
    };
    const start = await copy();
    // One write the keychain missed (a crash), copied: accepted on its own.
    await (await open(at)).forTill().recorded('OP-TEST', sale(1));
    await keychain.keyStore.set(anchorAccount(at.name), first!);
    const branch = await copy();
    // The older copy goes on instead and its write reaches the keychain: same generation, other epoch.
    putBack(start);
    await (await open(at)).forTill().recorded('OP-TEST', sale(1));
    await db!.close();
    db = null;
    putBack(branch);
    const reopened = await open(at);
    expect(reopened.suspended('till')).toBe(true);
  });

  it('refuses to open on a keychain entry that is not an anchor', async () => {
    const at = fresh();
    await open(at);
    await keychain.keyStore.set(anchorAccount(at.name), Buffer.from('{"v":1,"generation":"many"}'));
    await expect(open(at)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });
});
