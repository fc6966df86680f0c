/**
 * Limits from the offline payments reference (seeds/000): the server enforces them, the terminal
 * uses them to decide when to warn; both read them from here so they cannot drift apart.
 */
export const MAX_CLOCK_SKEW_MS = 30 * 60 * 1000;
export const DEFAULT_MAX_BUNDLE_AGE_HOURS = 72;
/** How long the server remembers a bundle nonce; a replay after that still fails on bundle_id and seq. */
export const NONCE_TTL_MS = 24 * 60 * 60 * 1000;
/** Fraud score bands: below `review` accept, up to `quarantine` manual review, above it quarantine. */
export const FRAUD_THRESHOLDS = { review: 0.15, quarantine: 0.35 } as const;

export const MAX_SALES_PER_BUNDLE = 500;
/** HPKE info for bundle payloads; a different label per use keeps one ciphertext from serving another. */
export const BUNDLE_HPKE_INFO = 'outpost/bundle/v1';
/** prev_hash of a device's first sale: 32 zero bytes in base64url. */
export const GENESIS_HASH = 'A'.repeat(43);
