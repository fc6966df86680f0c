import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateEd25519, publicKeyPem, signCanonical } from '../../../protocol/crypto';
import type { Policy } from '../../../protocol/http/policies';
import { NOT_ENROLLED, type EnrollmentRecord } from '../device/enrollment-store';
import { enforceLimits, policyRefusal } from '../pos/limits';
import { withProvisionedPolicy, type PolicyDefaults } from './policy-defaults';
import {
  applyProvisioning,
  enforcedEnrollment,
  signProvisioning,
  verifyProvisioning,
  type ProvisioningBody,
  type ProvisioningServices,
} from './provisioning';

const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;
const iso = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();
const org = generateEd25519();
const other = generateEd25519();
const ORG_KEYS = [publicKeyPem(org.publicKey)];

const DEFAULTS: PolicyDefaults = {
  max_offline_amount: 20_000,
  max_offline_per_device_per_day: 40,
  max_unsynced_amount: 300_000,
  approval_threshold: 10_000,
  max_bundle_age_hours: 24,
};

function body(overrides: Partial<ProvisioningBody> = {}): ProvisioningBody {
  return {
    v: 1,
    org: 'Dakar Retail SA',
    issued_at: iso(-DAY),
    expires_at: iso(365 * DAY),
    server_url: 'https://outpost.example.sn',
    tenant: { type: 'merchant', id: 'm-42' },
    features: ['pos'],
    policy_defaults: DEFAULTS,
    ...overrides,
  };
}
const signed = (overrides: Partial<ProvisioningBody> = {}, key = org.privateKey) =>
  JSON.stringify(signProvisioning(body(overrides), key));
/** Signs any policy_defaults, valid or not: the schema, not the signature, must refuse these. */
const signedWithDefaults = (defaults: unknown) => {
  const { signature: _s, ...rest } = {
    ...signProvisioning(body(), org.privateKey),
    policy_defaults: defaults,
  };
  return JSON.stringify({ ...rest, signature: signCanonical(org.privateKey, rest) });
};

const enrolled = (policy: unknown = null): EnrollmentRecord => ({
  ...NOT_ENROLLED,
  enrollment: {
    ...NOT_ENROLLED.enrollment,
    state: 'enrolled',
    mode: 'pos',
    serverUrl: 'https://outpost.example.sn',
    country: 'SN',
    currency: 'XOF',
  },
  policy,
});

const serverPolicy: Policy = {
  country: 'SN',
  currency: 'XOF',
  max_offline_amount: 100_000,
  max_offline_per_device_per_day: 50,
  max_unsynced_amount: 500_000,
  max_bundle_age_hours: 72,
  approval_threshold: 50_000,
  enabled: true,
  version: 3,
  updated_at: iso(0),
};

const limitState = (totalMinor: number) => ({
  totalMinor,
  currency: 'XOF',
  salesToday: 0,
  unsyncedTotalMinor: 0,
  oldestUnsyncedAt: null,
  now: NOW.getTime(),
});
const refusal = (policy: Policy, totalMinor: number) => {
  try {
    enforceLimits(policy, limitState(totalMinor), false);
    return null;
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe('provisioned policy defaults', () => {
  it('stand in for the server policy until one arrives, in the terminal currency', () => {
    const record = withProvisionedPolicy(enrolled(), DEFAULTS, iso(-DAY));
    const policy = record.policy as Policy;
    expect(policy).toMatchObject({
      country: 'SN',
      currency: 'XOF',
      max_offline_amount: 20_000,
      max_bundle_age_hours: 24,
      enabled: true,
    });
    expect(policyRefusal(policy, 'XOF')).toBeNull();
    expect(refusal(policy, 20_001)).toBe('LIMIT_AMOUNT');
    expect(refusal(policy, 10_001)).toBe('APPROVAL_REQUIRED');
    expect(refusal(policy, 10_000)).toBeNull();
    // The rest of the record is the stored one.
    expect({ ...record, policy: null }).toEqual(enrolled());
  });

  it('give way to the server policy as soon as it is in the record', () => {
    const record = enrolled(serverPolicy);
    expect(withProvisionedPolicy(record, DEFAULTS, iso(-DAY))).toBe(record);
    expect(refusal(serverPolicy, 20_001)).toBeNull();
  });

  it('apply the server default bundle age, enabled, and a currency IT names', () => {
    const { max_bundle_age_hours: _a, ...rest } = DEFAULTS;
    const policy = withProvisionedPolicy(enrolled(), { ...rest, currency: 'EUR' }, iso(-DAY))
      .policy as Policy;
    expect(policy.max_bundle_age_hours).toBe(72);
    expect(policy.enabled).toBe(true);
    // A provisioned policy in another currency than the terminal's disables payments, as the server's would.
    expect(policyRefusal(policy, 'XOF')?.code).toBe('POLICY_DISABLED');
    const off = withProvisionedPolicy(enrolled(), { ...DEFAULTS, enabled: false }, iso(-DAY))
      .policy as Policy;
    expect(policyRefusal(off, 'XOF')?.code).toBe('POLICY_DISABLED');
  });

  it('do nothing for a terminal without a country (not enrolled) or a file without defaults', () => {
    expect(withProvisionedPolicy(NOT_ENROLLED, DEFAULTS, iso(0)).policy).toBeNull();
    expect(withProvisionedPolicy(enrolled(), undefined, iso(0)).policy).toBeNull();
  });

  it('must name the four limits with valid values; unknown names are ignored', () => {
    const { approval_threshold: _t, ...missing } = DEFAULTS;
    for (const bad of [
      missing,
      { ...DEFAULTS, max_offline_amount: -1 },
      { ...DEFAULTS, max_offline_amount: 10.5 },
      { ...DEFAULTS, max_bundle_age_hours: 0 },
      { ...DEFAULTS, currency: 'xof' },
      { ...DEFAULTS, enabled: 'yes' },
      [],
    ]) {
      expect(() => verifyProvisioning(signedWithDefaults(bad), { orgKeys: ORG_KEYS, now: NOW })).toThrow(
        expect.objectContaining({ code: 'MALFORMED' }),
      );
    }
    const file = verifyProvisioning(signedWithDefaults({ ...DEFAULTS, future_limit: 3 }), {
      orgKeys: ORG_KEYS,
      now: NOW,
    });
    expect(file.policy_defaults?.max_offline_amount).toBe(20_000);
  });
});

describe('provisioned policy defaults across starts', () => {
  let dir: string;
  let provisioningPath: string;
  let serverUrl: string;
  const services: ProvisioningServices = {
    settings: {
      get current() {
        return { serverUrl };
      },
      async update(patch) {
        serverUrl = patch.serverUrl;
      },
    },
    device: {
      enrollment: { state: 'enrolled' },
      redeemCode: () => Promise.reject(new Error('already enrolled')),
    },
  };
  const apply = () =>
    applyProvisioning(services, {
      dataDir: join(dir, 'data'),
      env: { OUTPOST_PROVISIONING_FILE: provisioningPath },
      orgKeys: ORG_KEYS,
      now: NOW,
    });
  const enforcedLimit = async () => {
    const outcome = await apply();
    const policy = enforcedEnrollment(outcome)(enrolled()).policy as Policy | null;
    return { status: outcome.status, limit: policy?.max_offline_amount ?? null };
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outpost-policy-defaults-'));
    provisioningPath = join(dir, 'managed', 'provisioning.json');
    await mkdir(join(dir, 'managed'));
    serverUrl = 'http://127.0.0.1:8098';
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a refused file (tampered, other key, expired) keeps the previous file’s defaults in force', async () => {
    await writeFile(provisioningPath, signed({ issued_at: iso(-2 * DAY) }));
    expect(await enforcedLimit()).toEqual({ status: 'applied', limit: 20_000 });

    const raised = { ...DEFAULTS, max_offline_amount: 90_000 };
    await writeFile(provisioningPath, signed({ policy_defaults: raised }).replace('90000', '95000'));
    expect(await enforcedLimit()).toEqual({ status: 'refused', limit: 20_000 });
    await writeFile(provisioningPath, signed({ policy_defaults: raised }, other.privateKey));
    expect(await enforcedLimit()).toEqual({ status: 'refused', limit: 20_000 });
    await writeFile(provisioningPath, signed({ policy_defaults: raised, expires_at: iso(-1000) }));
    expect(await enforcedLimit()).toEqual({ status: 'refused', limit: 20_000 });
    expect(serverUrl).toBe('https://outpost.example.sn');

    // A newer, valid file replaces them; removing the file leaves the last applied one in force.
    await writeFile(provisioningPath, signed({ policy_defaults: raised }));
    expect(await enforcedLimit()).toEqual({ status: 'applied', limit: 90_000 });
    await rm(provisioningPath);
    expect(await enforcedLimit()).toEqual({ status: 'absent', limit: 90_000 });
  });

  it('no file ever applied: no defaults, payments wait for the server policy', async () => {
    await writeFile(provisioningPath, signed({}, other.privateKey));
    expect(await enforcedLimit()).toEqual({ status: 'refused', limit: null });
  });
});
