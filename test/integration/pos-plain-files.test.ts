import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import { generateHpkeKeyPair } from '../../protocol/hpke/keys';
import { callCommand } from '../../src-main/core/api/dispatch';
import { createCore, type Core } from '../../src-main/core';
import { posEnrollmentRecord, seedEnrollment, type PosEnrollmentFields } from '../support/seed-enrollment';
import { SN_POLICY } from '../support/sn-policy';
import { signedIn } from '../support/till';

/**
 * Attack (issue #16, item 4): loosen a till's offline limits or redirect its sales by editing the
 * plain files older versions kept in the data directory. Real core, real encrypted store, key in
 * the real Secret Service.
 */
const SERVER = 'http://127.0.0.1:9';
const ATTACKER = 'http://198.51.100.7:8098';
let session: SecretServiceSession;
let dataDir: string;
const service = `outpost-test-${randomUUID()}`;
let core: Core | null = null;

async function start(): Promise<void> {
  await core?.close();
  core = await createCore({
    dataDir,
    appVersion: '0.0.0-test',
    platform: 'linux',
    defaultServerUrl: SERVER,
    keyStore: new KeytarKeyStore({ service }),
    reachabilityIntervalMs: 60_000,
  });
}

const call = (method: string, input: unknown = {}) => callCommand(core!.handlers, method, input);

/** The enrollment record as older versions kept it in a plain enrollment.json (now never read). */
const enrollmentFile = (fields: PosEnrollmentFields) =>
  writeFile(join(dataDir, 'enrollment.json'), JSON.stringify(posEnrollmentRecord(fields)));

/** 90 000 XOF with tax: over the 120 000 unsynced ceiling below once tax is added, never overridable. */
const bigSale = {
  lines: [{ sku: 'tv', name: 'TV', qty: 1, unitPriceMinor: 90_000, taxRateBp: 1800 }],
  tenders: [{ type: 'cash', amountMinor: 110_000 }],
};

/** hardware.json as older versions kept it. */
const printer = { deviceId: 'usb:04b8:0202:TM-T20' };
const hardwareFile = (demo: boolean) => ({
  demo,
  choices: { cardReader: null, scanner: null, printer },
});

beforeAll(async () => {
  session = await ensureSecretService();
  dataDir = await mkdtemp(join(tmpdir(), 'outpost-plain-'));
  // An enrolled till: its enrollment in the encrypted store, as a code redemption writes it.
  await seedEnrollment(dataDir, new KeytarKeyStore({ service }), {
    serverUrl: SERVER,
    hpkePublicKey: (await generateHpkeKeyPair()).publicKey,
    policy: { ...SN_POLICY, max_unsynced_amount: 120_000 },
  });
  // Beside it, a plain enrollment.json (the form versions before issue #16 kept) with other values.
  await enrollmentFile({
    serverUrl: ATTACKER,
    hpkePublicKey: (await generateHpkeKeyPair()).publicKey,
    policy: { ...SN_POLICY, max_unsynced_amount: 1_000_000_000 },
  });
  // Its hardware choices were a plain file too: a chosen printer, demo hardware off.
  await writeFile(join(dataDir, 'hardware.json'), JSON.stringify(hardwareFile(false)));
  await start();
}, 60_000);

afterAll(async () => {
  await core?.close();
  await rm(dataDir, { recursive: true, force: true });
  for (const account of ['device:ed25519', 'device:x25519', 'device:install-id', 'db-key:outpost'])
    await new KeytarKeyStore({ service }).delete(account).catch(() => false);
  await session?.stop();
});

describe('plain files in the data directory', () => {
  it("the enrollment is the encrypted store's: a plain enrollment.json beside it is deleted unread", async () => {
    expect(await call('enrollment.get')).toMatchObject({ state: 'enrolled', serverUrl: SERVER });
    expect(await readdir(dataDir)).not.toContain('enrollment.json');
    await signedIn(call);
    await call('pos.shift.open', { floatMinor: 0 });
    await expect(call('pos.sale.capture', bigSale)).rejects.toMatchObject({ code: 'LIMIT_AMOUNT' });
  });

  it('attack (d): editing the policy copy, server address and key, or settings, changes nothing', async () => {
    await core!.close();
    core = null;
    await enrollmentFile({
      serverUrl: ATTACKER,
      hpkePublicKey: (await generateHpkeKeyPair()).publicKey,
      policy: {
        ...SN_POLICY,
        max_offline_tx_amount: 1_000_000_000,
        max_unsynced_amount: 1_000_000_000,
        max_offline_per_device_per_day: 100_000,
      },
    });
    await writeFile(join(dataDir, 'settings.json'), JSON.stringify({ serverUrl: ATTACKER }));
    await start();
    expect(await call('enrollment.get')).toMatchObject({ serverUrl: SERVER });
    expect(await call('settings.get')).toMatchObject({ serverUrl: SERVER });
    await signedIn(call);
    await expect(call('pos.sale.capture', bigSale)).rejects.toMatchObject({ code: 'LIMIT_AMOUNT' });
  });

  it('an existing install keeps its hardware choices, now in the encrypted store', async () => {
    expect(await call('hardware.list')).toMatchObject({ demo: false, choices: { printer } });
    expect(await readdir(dataDir)).not.toContain('hardware.json');
  });

  it('attack: switching demo hardware on in hardware.json makes no simulated reader answer', async () => {
    await core!.close();
    core = null;
    await writeFile(join(dataDir, 'hardware.json'), JSON.stringify(hardwareFile(true)));
    await start();
    expect(await call('hardware.list')).toMatchObject({ demo: false });
    await expect(call('hardware.demo.swipe', { card: 'visa' })).rejects.toMatchObject({
      code: 'DEMO_HARDWARE_OFF',
    });
  });
});
