import type { FeatureContract } from './feature';

/**
 * Deployment's part of the API contract: none yet. IT's provisioning file and signed updates are
 * applied by the core (src-main/core/deploy/module.ts); what the UI shows of them is in
 * `device.status` (`provisioning`, `features`).
 */
export const deployApi = { commands: {}, subscriptions: {} } as const satisfies FeatureContract;
