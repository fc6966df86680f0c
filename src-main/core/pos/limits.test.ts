import { describe, expect, it } from 'vitest';
import type { Policy } from '../../../protocol/http/policies';
import {
  enforceLimits,
  enrollmentRefusal,
  HOUR_MS,
  limitBreaches,
  policyRefusal,
  utcDayStart,
} from './limits';

const policy: Policy = {
  country: 'SN',
  currency: 'XOF',
  max_offline_amount: 100_000,
  max_offline_per_device_per_day: 3,
  max_unsynced_amount: 200_000,
  max_bundle_age_hours: 72,
  approval_threshold: 50_000,
  enabled: true,
  version: 1,
  updated_at: '2025-01-01T00:00:00.000Z',
};
const now = Date.UTC(2025, 0, 15, 12);
const state = (over: Partial<Parameters<typeof limitBreaches>[1]> = {}) => ({
  totalMinor: 10_000,
  currency: 'XOF',
  salesToday: 0,
  unsyncedTotalMinor: 0,
  oldestUnsyncedAt: null,
  now,
  ...over,
});
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { code: string }).code;
  }
  return null;
};

describe('offline limits', () => {
  it('accepts a sale within every limit, with no override needed', () => {
    expect(enforceLimits(policy, state(), false)).toEqual([]);
    expect(enforceLimits(policy, state({ totalMinor: 50_000 }), false)).toEqual([]);
  });

  it('refuses above max_offline_amount, even with a manager', () => {
    expect(codeOf(() => enforceLimits(policy, state({ totalMinor: 100_001 }), true))).toBe('LIMIT_AMOUNT');
    expect(enforceLimits(policy, state({ totalMinor: 100_000 }), true)).toEqual(['APPROVAL_REQUIRED']);
  });

  it('says why an online or offline sale above max_offline_amount is refused (issue #18, item 7)', () => {
    const [online] = limitBreaches(policy, state({ totalMinor: 100_001, online: true }));
    expect(online).toMatchObject({
      code: 'LIMIT_AMOUNT',
      overridable: false,
      details: { online: true, authorisation: 'refused' },
    });
    expect(online!.message).toContain('the server did not authorise it online');
    const [offline] = limitBreaches(policy, state({ totalMinor: 100_001 }));
    expect(offline).toMatchObject({ details: { online: false, authorisation: 'offline' } });
    expect(offline!.message).toContain('the server is not reachable');
  });

  it('lifts max_offline_amount only for a sale authorised online; a manager is still asked above the threshold', () => {
    const authorised = state({ totalMinor: 300_000, online: true, onlineAuthorised: true });
    expect(limitBreaches(policy, authorised).map((b) => b.code)).toEqual(['APPROVAL_REQUIRED']);
    expect(codeOf(() => enforceLimits(policy, authorised, false))).toBe('APPROVAL_REQUIRED');
    expect(enforceLimits(policy, authorised, true)).toEqual(['APPROVAL_REQUIRED']);
    // Its total is not offline exposure: it does not count against max_unsynced_amount.
    expect(
      limitBreaches(policy, { ...authorised, unsyncedTotalMinor: policy.max_unsynced_amount }).map(
        (b) => b.code,
      ),
    ).toEqual(['APPROVAL_REQUIRED']);
  });

  it('needs a manager above approval_threshold', () => {
    expect(codeOf(() => enforceLimits(policy, state({ totalMinor: 50_001 }), false))).toBe(
      'APPROVAL_REQUIRED',
    );
    expect(enforceLimits(policy, state({ totalMinor: 50_001 }), true)).toEqual(['APPROVAL_REQUIRED']);
  });

  it('lets a manager lift the daily count and unsynced total for small sales only', () => {
    expect(codeOf(() => enforceLimits(policy, state({ salesToday: 3 }), false))).toBe('LIMIT_DAILY_COUNT');
    expect(enforceLimits(policy, state({ salesToday: 3 }), true)).toEqual(['LIMIT_DAILY_COUNT']);
    expect(codeOf(() => enforceLimits(policy, state({ salesToday: 3, totalMinor: 60_000 }), true))).toBe(
      'LIMIT_DAILY_COUNT',
    );
    expect(codeOf(() => enforceLimits(policy, state({ unsyncedTotalMinor: 195_000 }), false))).toBe(
      'LIMIT_UNSYNCED_TOTAL',
    );
    expect(enforceLimits(policy, state({ unsyncedTotalMinor: 195_000 }), true)).toEqual([
      'LIMIT_UNSYNCED_TOTAL',
    ]);
    expect(
      codeOf(() => enforceLimits(policy, state({ unsyncedTotalMinor: 150_001, totalMinor: 50_001 }), true)),
    ).toBe('LIMIT_UNSYNCED_TOTAL');
    // Exactly at the limit is allowed.
    expect(enforceLimits(policy, state({ unsyncedTotalMinor: 190_000 }), false)).toEqual([]);
  });

  it('refuses once the oldest unsynced sale reaches max_bundle_age_hours, override or not', () => {
    expect(enforceLimits(policy, state({ oldestUnsyncedAt: now - 72 * HOUR_MS + 1 }), false)).toEqual([]);
    expect(codeOf(() => enforceLimits(policy, state({ oldestUnsyncedAt: now - 72 * HOUR_MS }), true))).toBe(
      'LIMIT_OLDEST_UNSYNCED',
    );
  });

  it('puts what no manager can lift first, with details the UI can show', () => {
    const breaches = limitBreaches(policy, state({ salesToday: 9, totalMinor: 100_001 }));
    expect(breaches.map((b) => [b.code, b.overridable])).toEqual([
      ['LIMIT_AMOUNT', false],
      ['LIMIT_DAILY_COUNT', false],
    ]);
    expect(breaches[0]!.message).toMatch(/above the limit/);
  });

  it('refuses without enrollment or an enabled policy in the terminal currency', () => {
    expect(enrollmentRefusal('not_enrolled', null)?.code).toBe('NOT_ENROLLED');
    expect(enrollmentRefusal('enrolled', 'laptop')?.code).toBe('NOT_ENROLLED');
    expect(enrollmentRefusal('revoked', 'pos')?.code).toBe('NOT_ENROLLED');
    expect(enrollmentRefusal('enrolled', 'pos')).toBeNull();
    expect(policyRefusal(null, 'XOF')?.code).toBe('POLICY_DISABLED');
    expect(policyRefusal({ ...policy, enabled: false }, 'XOF')?.code).toBe('POLICY_DISABLED');
    expect(policyRefusal(policy, 'EUR')?.code).toBe('POLICY_DISABLED');
    expect(policyRefusal(policy, 'XOF')).toBeNull();
  });

  it('counts days in UTC', () => {
    expect(utcDayStart(Date.UTC(2025, 0, 15, 23, 59))).toBe(Date.UTC(2025, 0, 15));
  });
});
