import type { RxCollection } from 'rxdb';
import { combineLatest, map, type Observable } from 'rxjs';
import type { QuickKeysLayout, QuickKeysSetInput, QuickKeysView } from '../../../protocol/api';
import { decodeSetting, encodeSetting, type CatalogItemDoc, type SettingDoc } from '../store/schemas/index';
import { serverCatalogChanges, serverLayout } from '../sync/back-office-catalog';
import type { CashierAccounts } from './cashier-accounts';
import { catalogEntry } from './views';

/**
 * Quick keys (protocol/api/quick-keys.ts): the manager's layout, kept in the settings collection
 * (key `pos.quickKeys`, in the encrypted store), and the grid the till shows from it and the catalog.
 */

export const QUICK_KEYS_KEY = 'pos.quickKeys';

const EMPTY: QuickKeysLayout = { categories: [] };

/** Checks the manager's PIN (lockout included, cashier-accounts.ts), then stores the layout. */
export async function saveQuickKeys(
  settings: RxCollection<SettingDoc>,
  pins: CashierAccounts,
  input: QuickKeysSetInput,
): Promise<QuickKeysLayout> {
  await pins.verify(input.manager.managerId, input.manager.pin);
  await settings.upsert({
    key: QUICK_KEYS_KEY,
    value: encodeSetting(input.layout),
    updatedAt: Date.now(),
  });
  return input.layout;
}

/** The grid, live: follows both the layout and the catalog (a price pulled from the server shows at once). */
export function quickKeysView(
  settings: RxCollection<SettingDoc>,
  catalog: RxCollection<CatalogItemDoc>,
): Observable<QuickKeysView> {
  return combineLatest([
    settings.findOne(QUICK_KEYS_KEY).$,
    catalog.find().$,
    serverCatalogChanges(settings),
  ]).pipe(
    map(([doc, items, server]) => {
      // The back office's categories and places, when it has any, else the manager's (#19).
      const layout =
        serverLayout(server) ?? (doc ? (decodeSetting(doc) as unknown as QuickKeysLayout) : EMPTY);
      const bySku = new Map(items.map((d) => [d.sku, d.toJSON() as CatalogItemDoc]));
      return {
        categories: layout.categories.map((category) => ({
          name: category.name,
          items: category.skus.flatMap((sku) => {
            const item = bySku.get(sku);
            return item ? [catalogEntry(item, server.images)] : [];
          }),
        })),
      };
    }),
  );
}
