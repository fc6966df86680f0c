/**
 * Where a sale stands, in the four places that name it: the till's stored sale, the app's API, the
 * till's outbox record of the bundle that carries it, and the server's bundle. The names differ for
 * history's sake (stored values are never renamed: that would be a data migration); this file is
 * the one place that says which is which. docs/sync.md "Sale states" is the same table
 * (test/states-doc.test.ts holds them together).
 */

/**
 * The server's bundle (`offline_tx_bundles.status`, protocol/http/payments.ts `BundleStatus`).
 * `rejected` is a refused push (nothing stored) or a reviewer's rejection.
 */
export const BUNDLE_STATES = ['accepted', 'review', 'quarantined', 'reconciled', 'rejected'] as const;
export type BundleState = (typeof BUNDLE_STATES)[number];

/** The till's stored sale (`sales.status`, src-main/core/store/schemas/sales.ts). */
export const STORED_SALE_STATES = [
  'recorded',
  'queued',
  'accepted',
  'rejected',
  'reconciled',
  /** A version 0 value no code writes any more: a void is a new sale (kind 'void'). */
  'voided',
  'review',
  'quarantined',
] as const;
export type StoredSaleState = (typeof STORED_SALE_STATES)[number];

/** The API's `SaleSummary.status` and the keys of `SyncStatus.counts` (protocol/api/contract.ts). */
export const SALE_SYNC_STATES = ['pending', 'pushed', ...BUNDLE_STATES] as const;
export type SaleSyncState = (typeof SALE_SYNC_STATES)[number];

/** The till's outbox record of a bundle (`outbox.status`, src-main/core/store/schemas/pos.ts). */
export const OUTBOX_STATES = ['pending', ...BUNDLE_STATES] as const;
export type OutboxState = (typeof OUTBOX_STATES)[number];

/** Each server verdict under its own name, as the till's states take them over. */
const VERDICTS = Object.fromEntries(BUNDLE_STATES.map((s) => [s, s])) as { [S in BundleState]: S };

/** What the API calls each stored state. */
export const SALE_SYNC_STATE: Record<StoredSaleState, SaleSyncState> = {
  ...VERDICTS,
  recorded: 'pending',
  queued: 'pushed',
  voided: 'accepted',
};

/** The outbox record of a sale's bundle, by the sale's stored state; null: in no bundle yet. */
export const OUTBOX_STATE_OF_SALE: Record<StoredSaleState, OutboxState | null> = {
  ...VERDICTS,
  recorded: null,
  queued: 'pending',
  voided: null,
};

/** The server's bundle state by the sale's stored state; null: the server has not answered. */
export const BUNDLE_STATE_OF_SALE: Record<StoredSaleState, BundleState | null> = {
  ...VERDICTS,
  recorded: null,
  queued: null,
  voided: null,
};

/** A server answer for a bundle, as the till stores it on the outbox record and on each sale. */
export const STATE_OF_ANSWER: Record<BundleState, OutboxState & StoredSaleState> = VERDICTS;

/** Rank of each till state: a sale or outbox record never moves to a lower one. */
export const STATE_RANK: Record<StoredSaleState | OutboxState, number> = {
  recorded: 0,
  queued: 1,
  pending: 1,
  accepted: 2,
  review: 2,
  quarantined: 2,
  voided: 2,
  reconciled: 3,
  rejected: 3,
};

/** Stored states the server has not accepted yet: they count against the offline limits. */
export const UNSYNCED_SALE_STATES = ['recorded', 'queued'] as const satisfies readonly StoredSaleState[];
