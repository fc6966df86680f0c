import type { MigrationStrategies, RxCollection, RxDatabase, RxJsonSchema } from 'rxdb';
import { idField, timeField } from '@outpost/terminal-sdk';

/**
 * The sale in progress and the parked ones (issue #18 item 2), in the encrypted store so that they
 * survive leaving the till screen, a restart and a crash. One document `current` holds the cart on
 * the screen; each parked sale is a document of its own (a uuid).
 *
 * Migration story (docs/store.md): version 1 added the optional `saleId` (a version 0 document is
 * already a valid version 1 one: no mark). A later change of shape raises `version` and adds its
 * strategy to `cartMigrations` (RxDB runs it on open); a cart is worth keeping across an update, so
 * a strategy returns the old document in the new shape rather than dropping it.
 */
export const CART_STATES = ['current', 'parked'] as const;

export interface CartDoc {
  id: string;
  state: (typeof CART_STATES)[number];
  /** The cashier's word for a parked sale ("table 4"); '' when none. */
  label: string;
  /** The lines as JSON text (protocol/api/pos.ts `CartLine`), checked again when read. */
  lines: string;
  /** When it was last changed (the current cart) or parked (epoch ms, the till's clock). */
  updatedAt: number;
  /**
   * The sale this cart is being paid as, marked just before that sale is written: if the app stops
   * before the cart is cleared, the cart is found paid at the next start and not offered again.
   */
  saleId?: string;
}

/** At most this many lines in a cart, and parked sales on a till. */
export const MAX_CART_LINES = 200;
export const MAX_PARKED = 50;

export const cartSchema: RxJsonSchema<CartDoc> = {
  title: 'cart',
  version: 1,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: idField,
    state: { type: 'string', enum: [...CART_STATES], maxLength: 8 },
    label: { type: 'string', maxLength: 64 },
    lines: { type: 'string', maxLength: 200_000 },
    updatedAt: timeField,
    saleId: idField,
  },
  required: ['id', 'state', 'label', 'lines', 'updatedAt'],
  additionalProperties: false,
  indexes: [['state', 'updatedAt']],
};
export const cartMigrations: MigrationStrategies = {
  1: (doc: CartDoc) => doc,
};

export type CartCollections = { carts: RxCollection<CartDoc> };

/** Adds the carts collection to an open app database (idempotent per database instance). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database of the app, whatever else it holds
export async function addCartCollections(rx: RxDatabase<any>): Promise<CartCollections> {
  const existing = rx.collections as Partial<CartCollections>;
  if (existing.carts) return existing as CartCollections;
  return (await rx.addCollections({
    carts: { schema: cartSchema, migrationStrategies: cartMigrations },
  })) as unknown as CartCollections;
}
