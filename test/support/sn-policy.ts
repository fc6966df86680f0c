import type { Policy, PolicyInput } from '../../protocol/http';

/** Senegal's offline limits as the integration tests set them on the server (XOF has no minor unit). */
export const SN_POLICY_INPUT = {
  country: 'SN',
  currency: 'XOF',
  max_offline_amount: 100_000,
  max_offline_per_device_per_day: 50,
  max_unsynced_amount: 500_000,
  max_bundle_age_hours: 72,
  approval_threshold: 50_000,
  enabled: true,
} as const satisfies PolicyInput;

/**
 * The same policy as a terminal holds it after the server answered with version 1. Dated in 2025:
 * timestamps before 2000 are refused by the shared schemas (#16 F4), and a refused policy is none.
 */
export const SN_POLICY: Policy = { ...SN_POLICY_INPUT, version: 1, updated_at: '2025-01-01T00:00:00.000Z' };
