import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError, type Settings } from '../../../protocol/api';
import { serverRequest } from '../../../packages/terminal-sdk/src/net/server-client';
import { openAppDatabase, type AppDatabase } from '../store/database';
import { realKeychain, type RealKeychain } from '../store/test-support';
import { SETTINGS_KEY, SettingsStore } from './settings-store';

/** Settings in the real encrypted store (real SQLite, key in the real keychain): issue #16. */
const defaults: Settings = {
  locale: 'en',
  serverUrl: 'http://127.0.0.1:8098',
  currency: 'XOF',
  terminalName: 'Till 1',
};
const tempDir = () => mkdtemp(join(tmpdir(), 'outpost-settings-'));

let keychain: RealKeychain;
const open: AppDatabase[] = [];
beforeAll(async () => {
  keychain = await realKeychain();
});
afterAll(async () => {
  for (const db of open.splice(0)) await db.close();
  await keychain.cleanup();
});

/** One app database per directory, opened once (RxDB allows one of a name per process at a time). */
async function database(dir: string): Promise<AppDatabase> {
  for (const db of open.splice(0)) await db.close();
  const db = await openAppDatabase({ dataDir: dir, keyStore: keychain.keyStore, name: 'settingstest' });
  open.push(db);
  return db;
}

async function openStore(dir: string): Promise<SettingsStore> {
  return SettingsStore.open(dir, defaults, (await database(dir)).rx.collections.settings);
}

describe('SettingsStore', () => {
  it('starts from defaults and persists updates across reopen, in the encrypted store only', async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    expect(store.current).toEqual(defaults);
    await store.update({ locale: 'fr', currency: 'IDR' });
    const reopened = await openStore(dir);
    expect(reopened.current).toEqual({ ...defaults, locale: 'fr', currency: 'IDR' });
    expect(await readdir(dir)).not.toContain('settings.json');
  });

  it('serialises concurrent updates so none is lost', async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    await Promise.all([
      store.update({ locale: 'fr' }),
      store.update({ terminalName: 'B' }),
      store.update({ currency: 'EUR' }),
    ]);
    const reopened = await openStore(dir);
    expect(reopened.current).toEqual({ ...defaults, locale: 'fr', terminalName: 'B', currency: 'EUR' });
  });

  it('refuses an invalid update and keeps the stored settings as they were', async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    await store.update({ terminalName: 'Kept' });
    await expect(store.update({ serverUrl: 'ftp://nope' })).rejects.toThrow();
    expect(store.current.terminalName).toBe('Kept');
    expect((await openStore(dir)).current).toEqual({ ...defaults, terminalName: 'Kept' });
  });

  it('moves an old settings.json in on first start and deletes it', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ locale: 'fr', terminalName: 'Old till' }));
    const store = await openStore(dir);
    expect(store.current).toEqual({ ...defaults, locale: 'fr', terminalName: 'Old till' });
    expect(await readdir(dir)).not.toContain('settings.json');
    const doc = await (await database(dir)).rx.collections.settings.findOne(SETTINGS_KEY).exec();
    expect(JSON.parse(doc!.value)).toMatchObject({ terminalName: 'Old till' });
  });

  it('attack: a settings.json written after the move cannot redirect the server address', async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    await store.update({ serverUrl: 'https://outpost.example.sn' });
    // Someone with the disk puts their own server in a plain file, as older versions kept it.
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ serverUrl: 'http://198.51.100.7:8098' }));
    const reopened = await openStore(dir);
    expect(reopened.current.serverUrl).toBe('https://outpost.example.sn');
  });

  // Attack (issue #16): pointing a till at http://… of another machine sends passwords, refresh
  // tokens and sales in clear to whoever is on the network path.
  it('refuses a plain-http server address other than loopback with SERVER_URL_NOT_HTTPS', async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    for (const url of [
      'http://example.org',
      'http://10.0.0.5:8098',
      'http://127.0.0.1.example.org',
      'http://[::2]/',
    ]) {
      const refused = await store.update({ serverUrl: url }).catch((error: unknown) => error);
      expect(refused, url).toBeInstanceOf(ApiError);
      expect((refused as ApiError).code).toBe('SERVER_URL_NOT_HTTPS');
    }
    expect(store.current.serverUrl).toBe(defaults.serverUrl);
    for (const url of [
      'https://example.org',
      'http://localhost:8098',
      'http://127.8.0.1',
      'http://[::1]:8098',
    ]) {
      expect((await store.update({ serverUrl: url })).serverUrl).toBe(url);
    }
  });

  it('does not take a plain-http address of another machine from an old settings.json it moves in', async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, 'settings.json'),
      JSON.stringify({ ...defaults, serverUrl: 'http://example.org' }),
    );
    expect((await openStore(dir)).current.serverUrl).toBe(defaults.serverUrl);
  });

  it('never sends a request to a plain-http server other than loopback', async () => {
    const refused = await serverRequest('http://example.org', {
      method: 'POST',
      path: '/auth/sign-in',
      body: { email: 'a@b.test', password: 'secret' },
      response: z.unknown(),
    }).catch((error: unknown) => error);
    expect((refused as ApiError).code).toBe('SERVER_URL_NOT_HTTPS');
  });

  it('keeps the valid fields of a damaged old file and a copy of the original', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ locale: 'fr', currency: 'NOPE', extra: 1 }));
    const store = await openStore(dir);
    expect(store.current).toEqual({ ...defaults, locale: 'fr' });
    const files = await readdir(dir);
    const copy = files.find((f) => f.startsWith('settings.json.invalid-'));
    expect(copy).toBeDefined();
    expect(JSON.parse(await readFile(join(dir, copy!), 'utf8'))).toMatchObject({ currency: 'NOPE' });
  });

  it('survives an old file that is not JSON at all', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'settings.json'), '{"locale": "fr", tru');
    const store = await openStore(dir);
    expect(store.current).toEqual(defaults);
    expect((await readdir(dir)).some((f) => f.startsWith('settings.json.invalid-'))).toBe(true);
  });
});
