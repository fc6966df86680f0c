import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError, type Settings } from '../../../protocol/api';
import { serverRequest } from '../net/server-client';
import { SettingsStore } from './settings-store';

const defaults: Settings = {
  locale: 'en',
  serverUrl: 'http://127.0.0.1:8098',
  currency: 'XOF',
  terminalName: 'Till 1',
};
const tempDir = () => mkdtemp(join(tmpdir(), 'outpost-settings-'));

describe('SettingsStore', () => {
  it('starts from defaults and persists updates across reopen', async () => {
    const dir = await tempDir();
    const store = await SettingsStore.open(dir, defaults);
    expect(store.current).toEqual(defaults);
    await store.update({ locale: 'fr', currency: 'IDR' });
    const reopened = await SettingsStore.open(dir, defaults);
    expect(reopened.current).toEqual({ ...defaults, locale: 'fr', currency: 'IDR' });
    expect(await readdir(dir)).toEqual(['settings.json']);
  });

  it('serialises concurrent updates so none is lost', async () => {
    const dir = await tempDir();
    const store = await SettingsStore.open(dir, defaults);
    await Promise.all([
      store.update({ locale: 'fr' }),
      store.update({ terminalName: 'B' }),
      store.update({ currency: 'EUR' }),
    ]);
    const reopened = await SettingsStore.open(dir, defaults);
    expect(reopened.current).toEqual({ ...defaults, locale: 'fr', terminalName: 'B', currency: 'EUR' });
  });

  it('refuses an invalid update and keeps the stored file as it was', async () => {
    const dir = await tempDir();
    const store = await SettingsStore.open(dir, defaults);
    await store.update({ terminalName: 'Kept' });
    const before = await readFile(join(dir, 'settings.json'), 'utf8');
    await expect(store.update({ serverUrl: 'ftp://nope' })).rejects.toThrow();
    expect(await readFile(join(dir, 'settings.json'), 'utf8')).toBe(before);
    expect(store.current.terminalName).toBe('Kept');
  });

  // Attack (issue #16): pointing a till at http://… of another machine sends passwords, refresh
  // tokens and sales in clear to whoever is on the network path.
  it('refuses a plain-http server address other than loopback with SERVER_URL_NOT_HTTPS', async () => {
    const dir = await tempDir();
    const store = await SettingsStore.open(dir, defaults);
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
    // A plain-http address already on disk is not trusted either.
    await writeFile(
      join(dir, 'settings.json'),
      JSON.stringify({ ...defaults, serverUrl: 'http://example.org' }),
    );
    expect((await SettingsStore.open(dir, defaults)).current.serverUrl).toBe(defaults.serverUrl);
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

  it('keeps the valid fields of a damaged file and a copy of the original', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ locale: 'fr', currency: 'NOPE', extra: 1 }));
    const store = await SettingsStore.open(dir, defaults);
    expect(store.current).toEqual({ ...defaults, locale: 'fr' });
    const files = await readdir(dir);
    const copy = files.find((f) => f.startsWith('settings.json.invalid-'));
    expect(copy).toBeDefined();
    expect(JSON.parse(await readFile(join(dir, copy!), 'utf8'))).toMatchObject({ currency: 'NOPE' });
  });

  it('survives a file that is not JSON at all', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'settings.json'), '{"locale": "fr", tru');
    const store = await SettingsStore.open(dir, defaults);
    expect(store.current).toEqual(defaults);
    expect((await readdir(dir)).some((f) => f.startsWith('settings.json.invalid-'))).toBe(true);
  });
});
