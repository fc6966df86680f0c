import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Settings } from '../../protocol/api';
import {
  generateEd25519,
  publicKeyPem,
  publicKeyRaw,
  signCanonical,
  type Ed25519KeyPair,
} from '../../protocol/crypto';
import {
  APPLIED_FILE,
  applyProvisioning,
  loadApplied,
  provisioningSources,
  readProvisioningSource,
  signProvisioning,
  verifyProvisioning,
  type ProvisioningBody,
  type ProvisioningOutcome,
  type ProvisioningServices,
} from '../../src-main/core/deploy/provisioning';
import { SettingsStore } from '../../src-main/core/settings/settings-store';
import { memorySettings } from '../support/memory-settings';

const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const iso = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();

const org: Ed25519KeyPair = generateEd25519();
const other: Ed25519KeyPair = generateEd25519();
const ORG_KEYS = [publicKeyPem(org.publicKey)];

function body(overrides: Partial<ProvisioningBody> = {}): ProvisioningBody {
  return {
    v: 1,
    org: 'Dakar Retail SA',
    issued_at: iso(-DAY),
    expires_at: iso(365 * DAY),
    server_url: 'https://outpost.example.sn',
    tenant: { type: 'merchant', id: 'm-42' },
    enrollment_code: 'ENROL-1234',
    features: ['pos'],
    ...overrides,
  };
}
const signed = (overrides: Partial<ProvisioningBody> = {}, key = org.privateKey) =>
  JSON.stringify(signProvisioning(body(overrides), key), null, 2);

/** Signs whatever it is given, valid or not: for files the schema must refuse. */
const rawSigned = (overrides: Record<string, unknown>) => {
  const { signature: _s, ...rest } = { ...signProvisioning(body(), org.privateKey), ...overrides };
  return JSON.stringify({ ...rest, signature: signCanonical(org.privateKey, rest) });
};

const defaults: Settings = {
  locale: 'en',
  serverUrl: 'http://127.0.0.1:8098',
  currency: 'XOF',
  terminalName: 'Till 1',
};

let dir: string;
let provisioningPath: string;
let settings: SettingsStore;
let store: Awaited<ReturnType<typeof memorySettings>>;
let redeemed: { serverUrl: string; code: string }[];
let enrolled: boolean;
let services: ProvisioningServices;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outpost-provisioning-'));
  provisioningPath = join(dir, 'managed', 'provisioning.json');
  await mkdir(join(dir, 'managed'));
  store = await memorySettings();
  settings = await SettingsStore.open(join(dir, 'data'), defaults, store.collection);
  redeemed = [];
  enrolled = false;
  services = {
    settings,
    device: {
      get enrollment() {
        return { state: enrolled ? 'enrolled' : 'not_enrolled' };
      },
      async redeemCode(serverUrl, code) {
        redeemed.push({ serverUrl, code });
        enrolled = true;
      },
    },
  };
});
afterEach(async () => {
  await store.close();
  settings.close();
  await rm(dir, { recursive: true, force: true });
});

const apply = (now = NOW, orgKeys = ORG_KEYS) =>
  applyProvisioning(services, {
    dataDir: join(dir, 'data'),
    env: { OUTPOST_PROVISIONING_FILE: provisioningPath },
    orgKeys,
    now,
  });

async function place(text: string) {
  await writeFile(provisioningPath, text);
}

function expectRefused(outcome: ProvisioningOutcome, code: string) {
  expect(outcome.status).toBe('refused');
  if (outcome.status !== 'refused') return;
  expect(outcome.error.code).toBe(code);
  expect(outcome.error.message.length).toBeGreaterThan(5);
}

/** Applies a first good file, so each refusal below can show that it is kept. */
async function applyGood() {
  await place(signed({ issued_at: iso(-2 * DAY) }));
  const first = await apply();
  expect(first.status).toBe('applied');
  const appliedBytes = await readFile(join(dir, 'data', APPLIED_FILE), 'utf8');
  return { appliedBytes };
}

async function expectPreviousKept(appliedBytes: string) {
  expect(settings.current.serverUrl).toBe('https://outpost.example.sn');
  expect(await readFile(join(dir, 'data', APPLIED_FILE), 'utf8')).toBe(appliedBytes);
  const reopened = await SettingsStore.open(join(dir, 'data'), defaults, store.collection);
  expect(reopened.current.serverUrl).toBe('https://outpost.example.sn');
  reopened.close();
}

describe('provisioning: a valid file', () => {
  it('sets the server URL, keeps the file as last good and redeems the enrollment code', async () => {
    await place(signed());
    const outcome = await apply();
    expect(outcome.status).toBe('applied');
    if (outcome.status !== 'applied') return;
    expect(outcome.changed).toBe(true);
    expect(outcome.current.file.features).toEqual(['pos']);
    expect(outcome.current.file.tenant).toEqual({ type: 'merchant', id: 'm-42' });
    expect(outcome.enrollment).toEqual({ status: 'enrolled' });
    expect(redeemed).toEqual([{ serverUrl: 'https://outpost.example.sn', code: 'ENROL-1234' }]);
    expect(settings.current.serverUrl).toBe('https://outpost.example.sn');
    const kept = await loadApplied(join(dir, 'data'), ORG_KEYS);
    expect(kept?.file.signature).toBe(outcome.current.file.signature);
  });

  it('is idempotent at the next start and does not enroll twice', async () => {
    await place(signed());
    await apply();
    const again = await apply();
    expect(again.status).toBe('applied');
    if (again.status !== 'applied') return;
    expect(again.changed).toBe(false);
    expect(again.enrollment).toEqual({ status: 'already_enrolled' });
    expect(redeemed).toHaveLength(1);
  });

  it('accepts a raw base64url pinned key and both features', async () => {
    await place(signed({ features: ['pos', 'library'], enrollment_code: undefined }));
    const outcome = await apply(NOW, [publicKeyRaw(org.publicKey).toString('base64url')]);
    expect(outcome.status).toBe('applied');
    if (outcome.status === 'applied') {
      expect(outcome.current.file.features).toEqual(['pos', 'library']);
      expect(outcome.enrollment).toEqual({ status: 'none' });
    }
  });

  it('reports a failed enrollment (offline) and lets the core retry it', async () => {
    let fail = true;
    services.device.redeemCode = async (serverUrl, code) => {
      if (fail) throw new Error('server unreachable');
      redeemed.push({ serverUrl, code });
      enrolled = true;
    };
    await place(signed());
    const outcome = await apply();
    expect(outcome.status).toBe('applied');
    if (outcome.status !== 'applied') return;
    expect(outcome.enrollment).toEqual({ status: 'failed', message: 'server unreachable' });
    fail = false;
    expect(await outcome.enroll()).toEqual({ status: 'enrolled' });
  });

  it('accepts a newer file over the applied one', async () => {
    await applyGood();
    await place(signed({ server_url: 'https://new.example.sn', issued_at: iso(-DAY) }));
    const outcome = await apply();
    expect(outcome.status).toBe('applied');
    expect(settings.current.serverUrl).toBe('https://new.example.sn');
  });

  it('is absent when no file is placed, the last applied one staying in force', async () => {
    expect(await apply()).toEqual({ status: 'absent', current: null });
    await applyGood();
    await rm(provisioningPath);
    const outcome = await apply();
    expect(outcome.status).toBe('absent');
    expect(outcome.status === 'absent' && outcome.current?.file.org).toBe('Dakar Retail SA');
  });
});

describe('provisioning: refused files keep the previous configuration', () => {
  it('a tampered byte', async () => {
    const { appliedBytes } = await applyGood();
    const text = signed({ server_url: 'https://outpost.example.sn' });
    await place(text.replace('outpost.example.sn', 'outpost.examplf.sn'));
    expectRefused(await apply(), 'BAD_SIGNATURE');
    await expectPreviousKept(appliedBytes);
  });

  it('a byte flipped in the signature', async () => {
    const { appliedBytes } = await applyGood();
    const file = JSON.parse(signed()) as { signature: string };
    const sig = file.signature;
    file.signature = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    await place(JSON.stringify(file));
    expectRefused(await apply(), 'BAD_SIGNATURE');
    await expectPreviousKept(appliedBytes);
  });

  it('signed by another key', async () => {
    const { appliedBytes } = await applyGood();
    await place(signed({}, other.privateKey));
    expectRefused(await apply(), 'BAD_SIGNATURE');
    await expectPreviousKept(appliedBytes);
  });

  it('expired', async () => {
    const { appliedBytes } = await applyGood();
    await place(signed({ issued_at: iso(-DAY), expires_at: iso(-1000) }));
    expectRefused(await apply(), 'EXPIRED');
    await expectPreviousKept(appliedBytes);
  });

  it('not yet valid', async () => {
    const { appliedBytes } = await applyGood();
    await place(signed({ issued_at: iso(DAY) }));
    expectRefused(await apply(), 'NOT_YET_VALID');
    await expectPreviousKept(appliedBytes);
  });

  it('older than the last applied one (rollback), or a different file with the same date', async () => {
    const { appliedBytes } = await applyGood();
    await place(signed({ issued_at: iso(-3 * DAY), server_url: 'https://old.example.sn' }));
    expectRefused(await apply(), 'ROLLBACK');
    await place(signed({ issued_at: iso(-2 * DAY), server_url: 'https://old.example.sn' }));
    expectRefused(await apply(), 'ROLLBACK');
    await expectPreviousKept(appliedBytes);
  });

  it('malformed: not JSON, not an object, a missing field, an unknown field, http to a LAN host', async () => {
    const { appliedBytes } = await applyGood();
    const good = JSON.parse(signed()) as Record<string, unknown>;
    const { server_url: _drop, ...missing } = good;
    for (const text of [
      '{"v":1,',
      '[1]',
      JSON.stringify(missing),
      JSON.stringify({ ...good, extra: true }),
      rawSigned({ server_url: 'http://192.168.1.10:8098' }),
      rawSigned({ expires_at: iso(-2 * DAY) }),
    ]) {
      await place(text);
      expectRefused(await apply(), 'MALFORMED');
    }
    await expectPreviousKept(appliedBytes);
  });

  it('unknown features (even correctly signed)', async () => {
    const { appliedBytes } = await applyGood();
    await place(rawSigned({ features: ['pos', 'kiosk'] }));
    const outcome = await apply();
    expectRefused(outcome, 'MALFORMED');
    expect(outcome.status === 'refused' && outcome.error.message).toMatch(/features/);
    await expectPreviousKept(appliedBytes);
  });

  it('an unknown format version', async () => {
    const { appliedBytes } = await applyGood();
    await place(JSON.stringify({ ...JSON.parse(signed()), v: 2 }));
    expectRefused(await apply(), 'UNKNOWN_VERSION');
    await expectPreviousKept(appliedBytes);
  });

  it('too large', async () => {
    const { appliedBytes } = await applyGood();
    await place(' '.repeat(70 * 1024) + signed());
    expectRefused(await apply(), 'TOO_LARGE');
    await expectPreviousKept(appliedBytes);
  });

  it('a build with no pinned key trusts nothing', async () => {
    await place(signed());
    expectRefused(await apply(NOW, []), 'NO_PINNED_KEY');
    expect(settings.current.serverUrl).toBe(defaults.serverUrl);
  });

  it('a hand-edited last-good copy counts for nothing', async () => {
    await applyGood();
    const path = join(dir, 'data', APPLIED_FILE);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('"pos"', '"library"'));
    expect(await loadApplied(join(dir, 'data'), ORG_KEYS)).toBeNull();
  });
});

describe('provisioning: locations', () => {
  it('per OS, overridable by OUTPOST_PROVISIONING_FILE', () => {
    expect(provisioningSources({}, 'linux')).toEqual([
      { kind: 'file', path: '/etc/outpost/provisioning.json' },
    ]);
    expect(provisioningSources({ ProgramData: 'D:\\PD' }, 'win32')).toEqual([
      { kind: 'file', path: 'D:\\PD\\Outpost\\provisioning.json' },
      { kind: 'registry', key: 'HKLM\\Software\\Policies\\Outpost', value: 'Provisioning' },
    ]);
    expect(provisioningSources({}, 'darwin')[0]).toEqual({
      kind: 'plist',
      path: '/Library/Managed Preferences/org.outpost.app.plist',
      key: 'Provisioning',
    });
    expect(provisioningSources({ OUTPOST_PROVISIONING_FILE: '/x.json' }, 'win32')).toEqual([
      { kind: 'file', path: '/x.json' },
    ]);
  });

  it('reads the Windows policy value from reg.exe output', async () => {
    const text = signed();
    const compact = JSON.stringify(JSON.parse(text));
    const found = await readProvisioningSource(
      [{ kind: 'registry', key: 'HKLM\\Software\\Policies\\Outpost', value: 'Provisioning' }],
      async (command, args) => {
        expect([command, ...args]).toEqual([
          'reg',
          'query',
          'HKLM\\Software\\Policies\\Outpost',
          '/v',
          'Provisioning',
        ]);
        return `\r\nHKEY_LOCAL_MACHINE\\Software\\Policies\\Outpost\r\n    Provisioning    REG_SZ    ${compact}\r\n\r\n`;
      },
    );
    expect(found?.text).toBe(compact);
    expect(verifyProvisioning(found!.text, { orgKeys: ORG_KEYS, now: NOW }).org).toBe('Dakar Retail SA');
  });

  it('reads the macOS managed preference through plutil', async () => {
    const plist = join(dir, 'org.outpost.app.plist');
    await writeFile(plist, '<plist/>');
    const compact = JSON.stringify(JSON.parse(signed()));
    const found = await readProvisioningSource(
      [{ kind: 'plist', path: plist, key: 'Provisioning' }],
      async (command, args) => {
        expect([command, ...args]).toEqual(['plutil', '-convert', 'json', '-o', '-', plist]);
        return JSON.stringify({ Provisioning: compact, PayloadUUID: 'x' });
      },
    );
    expect(found?.text).toBe(compact);
  });
});
