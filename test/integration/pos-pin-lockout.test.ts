import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore, type Core } from '../../src-main/core';
import { CashierAccounts } from '../../src-main/core/pos/cashier-accounts';
import { memorySettings } from '../support/memory-settings';

/**
 * Attack (issue #16, item 4): guess manager PINs past the lockout by restarting the app or moving
 * the OS clock. Real core, real encrypted store, key in the real Secret Service.
 */
const DAY = 86_400_000;
let session: SecretServiceSession;
let dataDir: string;
const service = `outpost-test-${randomUUID()}`;
const clockOffset = { ms: 0 };
let core: Core | null = null;

async function start(): Promise<void> {
  await core?.close();
  core = await createCore({
    dataDir,
    appVersion: '0.0.0-test',
    platform: 'linux',
    defaultServerUrl: 'http://127.0.0.1:9',
    keyStore: new KeytarKeyStore({ service }),
    reachabilityIntervalMs: 60_000,
    // As the OS clock a user moves (the browser host's OUTPOST_CLOCK_OFFSET_FILE does the same).
    clock: () => Date.now() + clockOffset.ms,
  });
}

const setPin = (authorizedBy: { managerId: string; pin: string }) =>
  callCommand(core!.handlers, 'pos.managerPin.set', { managerId: 'm2', pin: '2468', authorizedBy });

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'accepted',
    (error: unknown) => String((error as { code?: unknown }).code),
  );
}

beforeAll(async () => {
  session = await ensureSecretService();
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-pin-'));
  await start();
}, 60_000);

afterAll(async () => {
  await core?.close();
  await rm(dataDir, { recursive: true, force: true });
  for (const account of ['device:ed25519', 'device:x25519', 'device:install-id', 'db-key:outpost'])
    await new KeytarKeyStore({ service }).delete(account).catch(() => false);
  await session?.stop();
});

describe('manager PIN lockout', () => {
  it('attack: survives a restart and the OS clock moved either way', async () => {
    await callCommand(core!.handlers, 'pos.managerPin.set', { managerId: 'm1', pin: '1357' });
    const right = { managerId: 'm1', pin: '1357' };
    const wrong = { managerId: 'm1', pin: '0000' };
    // Four wrong, a restart (the count is kept), then the fifth locks.
    for (let i = 0; i < 4; i++) expect(await codeOf(setPin(wrong))).toBe('MANAGER_PIN_INVALID');
    await start();
    expect(await codeOf(setPin(wrong))).toBe('MANAGER_PIN_INVALID');
    expect(await codeOf(setPin(right))).toBe('OVERRIDE_LOCKED');

    // Restarting does not lift it.
    await start();
    expect(await codeOf(setPin(right))).toBe('OVERRIDE_LOCKED');
    // Nor does moving the OS clock a day forward, or a day back, with a restart each time.
    clockOffset.ms = DAY;
    await start();
    expect(await codeOf(setPin(right))).toBe('OVERRIDE_LOCKED');
    clockOffset.ms = -DAY;
    await start();
    expect(await codeOf(setPin(right))).toBe('OVERRIDE_LOCKED');
  });

  it('runs down on app running time only, then lets the right PIN through', async () => {
    const store = await memorySettings();
    const mono = { ms: 0 };
    const options = { cost: { N: 1024, r: 8, p: 1 }, lockMs: 60_000, monotonic: () => mono.ms };
    const pins = new CashierAccounts(store.collection, options);
    await pins.set('m1', '1357', undefined);
    for (let i = 0; i < 5; i++)
      await expect(pins.verify('m1', '0000')).rejects.toMatchObject({ code: 'MANAGER_PIN_INVALID' });
    mono.ms += 40_000;
    await expect(pins.verify('m1', '1357')).rejects.toMatchObject({
      code: 'OVERRIDE_LOCKED',
      details: { retryAfterSeconds: 20 },
    });
    // A restart resumes from the 20 s saved at that refusal, on a new monotonic origin.
    mono.ms = 0;
    const restarted = new CashierAccounts(store.collection, options);
    await expect(restarted.verify('m1', '1357')).rejects.toMatchObject({
      code: 'OVERRIDE_LOCKED',
      details: { retryAfterSeconds: 20 },
    });
    mono.ms += 19_000;
    await expect(restarted.verify('m1', '1357')).rejects.toMatchObject({ code: 'OVERRIDE_LOCKED' });
    mono.ms += 1_000;
    await restarted.verify('m1', '1357');
    await store.close();
  });
});
