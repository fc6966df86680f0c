import { z } from 'zod';
import { Currency, NonNegativeMinor } from '../../../protocol/http/common';
import type { Policy } from '../../../protocol/http/policies';
import type { EnrollmentRecord } from '../device/enrollment-store';

/** The server's own default for a policy that does not say (protocol/http/policies.ts). */
const DEFAULT_MAX_BUNDLE_AGE_HOURS = 72;

/**
 * `policy_defaults` of a provisioning file: the offline limits a terminal enforces until the server
 * has sent its country's policy. Same names and units as the server's policy. The four limits are
 * required (half a policy would leave a limit unenforced); names this version does not know are
 * allowed and ignored, so IT can sign one file for several app versions.
 *
 * No zod `.default()` here: the parsed file must stay byte-for-byte what IT signed.
 */
export const PolicyDefaults = z
  .object({
    max_offline_amount: NonNegativeMinor,
    max_offline_per_device_per_day: z.number().int().min(0).max(1_000_000),
    max_unsynced_amount: NonNegativeMinor,
    approval_threshold: NonNegativeMinor,
    max_bundle_age_hours: z.number().int().min(1).max(8760).optional(),
    enabled: z.boolean().optional(),
    /** When absent, the terminal's own currency (a policy in another currency disables payments). */
    currency: Currency.optional(),
  })
  .loose();
export type PolicyDefaults = z.infer<typeof PolicyDefaults>;

/**
 * The policy the terminal enforces: the server's as soon as one has arrived (enrollment, check-in or
 * pull), else the provisioning file's defaults in force, else none (payments refused with
 * POLICY_DISABLED). Needs the enrolled country: an unenrolled terminal is refused before any limit.
 */
export function withProvisionedPolicy(
  record: EnrollmentRecord,
  defaults: PolicyDefaults | undefined,
  issuedAt: string,
): EnrollmentRecord {
  if (record.policy !== null || !defaults) return record;
  const { country, currency } = record.enrollment;
  if (!country) return record;
  const policyCurrency = defaults.currency ?? currency;
  if (!policyCurrency) return record;
  const policy: Policy = {
    country,
    currency: policyCurrency,
    max_offline_amount: defaults.max_offline_amount,
    max_offline_per_device_per_day: defaults.max_offline_per_device_per_day,
    max_unsynced_amount: defaults.max_unsynced_amount,
    max_bundle_age_hours: defaults.max_bundle_age_hours ?? DEFAULT_MAX_BUNDLE_AGE_HOURS,
    approval_threshold: defaults.approval_threshold,
    enabled: defaults.enabled ?? true,
    // Server versions start at 1, so any policy the server sends is newer than this one.
    version: 1,
    updated_at: new Date(issuedAt).toISOString(),
  };
  return { ...record, policy };
}
