import { z } from 'zod';
import { Country, Currency, IsoDateTime, NonNegativeMinor } from './common';

/** Per-country offline limits (payments seed). Amounts are integer minor units of `currency`. */
export const PolicyInput = z.object({
  country: Country,
  currency: Currency,
  max_offline_amount: NonNegativeMinor,
  max_offline_per_device_per_day: z.number().int().min(0).max(1_000_000),
  max_unsynced_amount: NonNegativeMinor,
  max_bundle_age_hours: z.number().int().min(1).max(8760).default(72),
  /** Above this amount an override needs a manager PIN. */
  approval_threshold: NonNegativeMinor,
  enabled: z.boolean(),
});
export type PolicyInput = z.infer<typeof PolicyInput>;

export const Policy = PolicyInput.extend({
  /** Increases by one on every change, so devices can tell a stale copy. */
  version: z.number().int().positive(),
  updated_at: IsoDateTime,
});
export type Policy = z.infer<typeof Policy>;

export const PolicyList = z.object({ policies: z.array(Policy) });
export type PolicyList = z.infer<typeof PolicyList>;

/**
 * POST /offline/policies: a policy whose limits hold together (issue #19). A single offline sale
 * above what may stay unsynced, or a manager approval needed only above the largest sale allowed,
 * would be a limit that never applies; each is refused naming its field.
 */
export const CoherentPolicyInput = PolicyInput.superRefine((p, ctx) => {
  // Up to max_unsynced_amount, the largest sale the server authorises online (docs/protocol.md
  // §5.6): a threshold above max_offline_amount lets online sales up to it go without a manager.
  if (p.approval_threshold > p.max_unsynced_amount)
    ctx.addIssue({
      code: 'custom',
      path: ['approval_threshold'],
      message: 'must not exceed max_unsynced_amount',
    });
  if (p.max_offline_amount > p.max_unsynced_amount)
    ctx.addIssue({
      code: 'custom',
      path: ['max_offline_amount'],
      message: 'must not exceed max_unsynced_amount',
    });
});
