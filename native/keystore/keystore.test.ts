import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type KeyStore, type SecretServiceSession } from '../index';
import { InMemoryKeyStoreForTests } from './memory';

const run = promisify(execFile);

let session: SecretServiceSession;
beforeAll(async () => {
  session = await ensureSecretService();
});
afterAll(async () => {
  await session.stop();
});

function contract(name: string, make: () => KeyStore) {
  describe(name, () => {
    it('stores raw bytes and reads them back exactly', async () => {
      const store = make();
      const account = `test:${randomUUID()}`;
      const secret = Buffer.concat([randomBytes(32), Buffer.from([0, 255, 0])]);
      expect(await store.get(account)).toBeNull();
      await store.set(account, secret);
      expect((await store.get(account))?.equals(secret)).toBe(true);
      const replaced = randomBytes(32);
      await store.set(account, replaced);
      expect((await store.get(account))?.equals(replaced)).toBe(true);
      expect(await store.delete(account)).toBe(true);
      expect(await store.get(account)).toBeNull();
      expect(await store.delete(account)).toBe(false);
    });

    it('keeps accounts apart', async () => {
      const store = make();
      const a = `test:${randomUUID()}`;
      const b = `test:${randomUUID()}`;
      await store.set(a, Buffer.from('a'));
      await store.set(b, Buffer.from('b'));
      expect((await store.get(a))?.toString()).toBe('a');
      expect((await store.get(b))?.toString()).toBe('b');
      await store.delete(a);
      await store.delete(b);
    });
  });
}

contract('KeytarKeyStore (real Secret Service)', () => new KeytarKeyStore({ service: 'outpost-test' }));
contract('InMemoryKeyStoreForTests', () => new InMemoryKeyStoreForTests());

describe('KeytarKeyStore without a Secret Service', () => {
  it('raises KEYCHAIN_UNAVAILABLE', async () => {
    const probe = fileURLToPath(new URL('./fixtures/probe-unavailable.ts', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
    delete env.DISPLAY;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', probe], { env, timeout: 20_000 });
    expect(stdout.trim()).toBe('KEYCHAIN_UNAVAILABLE');
  });

  it('uses "outpost" as the default service name', () => {
    expect(new KeytarKeyStore().service).toBe('outpost');
  });
});
