import type { RxCollection } from 'rxdb';
import { map, type Observable } from 'rxjs';
import type { QuickKeysLayout } from '../../../protocol/api';
import type { CatalogImageType, Category, Shop } from '../../../protocol/http/catalog';
import { wantedAfter } from './catalog-images';
import type { PaymentsPullResponse } from '../../../protocol/http/payments';
import { decodeSetting, encodeSetting, type SettingDoc } from '../store/schemas/index';

/**
 * What a till keeps of the back office's catalog (issue #19): the server's quick grid categories,
 * each product's place in them, and the shop's receipt details, from verified `catalog=2` pull
 * pages. Kept as one settings document (encrypted store) beside the catalog collection, so the
 * catalog's own schema is unchanged.
 */

export const SERVER_CATALOG_KEY = 'pos.serverCatalog';

// Type aliases, not interfaces: encodeSetting takes plain JSON shapes.
type Placement = {
  category_id: string;
  /** null: after the placed keys, by sku. */
  quick_key: number | null;
};

export type ServerCatalog = {
  categories: Category[];
  /** By sku: active products on a quick key. */
  placements: Record<string, Placement>;
  shop: Shop | null;
  /** By sku: the pictures the verified catalog names (catalog-images.ts). */
  wanted?: Record<string, { sha256: string; content_type: CatalogImageType }>;
  /** By sku: the SHA-256 of the picture the till holds. */
  images?: Record<string, string>;
};

const EMPTY: ServerCatalog = { categories: [], placements: {}, shop: null };

export async function readServerCatalog(settings: RxCollection<SettingDoc>): Promise<ServerCatalog> {
  const doc = await settings.findOne(SERVER_CATALOG_KEY).exec();
  return doc ? (decodeSetting(doc) as unknown as ServerCatalog) : EMPTY;
}

/**
 * The stored state after one verified page: categories and shop come whole on every page, item
 * placements as a delta (a retired item, or one taken off the grid, leaves it). Undefined for an
 * answer without `categories` (a server from before issue #19): nothing to change.
 */
export function serverCatalogAfter(
  stored: ServerCatalog,
  page: Pick<PaymentsPullResponse, 'catalog' | 'categories' | 'shop'>,
): ServerCatalog | undefined {
  if (page.categories === undefined) return undefined;
  const placements = { ...stored.placements };
  for (const item of page.catalog) {
    if (item.active && item.category_id) {
      placements[item.sku] = { category_id: item.category_id, quick_key: item.quick_key ?? null };
    } else delete placements[item.sku];
  }
  return {
    ...stored,
    categories: page.categories,
    placements,
    shop: page.shop ?? null,
    wanted: wantedAfter(stored.wanted, page),
  };
}

export async function saveServerCatalog(
  settings: RxCollection<SettingDoc>,
  next: ServerCatalog,
  now: number,
): Promise<void> {
  await settings.upsert({ key: SERVER_CATALOG_KEY, value: encodeSetting(next), updatedAt: now });
}

/**
 * The quick grid the server lays out: its categories by position, each with its products by quick
 * key (unplaced ones after, by sku). Null when the server has no categories: the till keeps the
 * layout its manager made (quick-keys.ts).
 */
export function serverLayout(catalog: ServerCatalog): QuickKeysLayout | null {
  if (catalog.categories.length === 0) return null;
  const entries = Object.entries(catalog.placements);
  return {
    categories: [...catalog.categories]
      .sort((a, b) => a.position - b.position)
      .map((category) => ({
        name: category.name,
        skus: entries
          .filter(([, p]) => p.category_id === category.category_id)
          .sort(
            ([skuA, a], [skuB, b]) =>
              (a.quick_key ?? Infinity) - (b.quick_key ?? Infinity) || skuA.localeCompare(skuB),
          )
          .map(([sku]) => sku),
      })),
  };
}

/** The stored state, live. */
export function serverCatalogChanges(settings: RxCollection<SettingDoc>): Observable<ServerCatalog> {
  return settings
    .findOne(SERVER_CATALOG_KEY)
    .$.pipe(map((doc) => (doc ? (decodeSetting(doc) as unknown as ServerCatalog) : EMPTY)));
}

/** Receipt settings headed by the back office's shop details when the server has them. */
export function withShop<T extends { shopName?: string; shopAddress?: string; shopTaxId?: string }>(
  settings: T,
  shop: Shop | null,
): T {
  if (!shop) return settings;
  return {
    ...settings,
    shopName: shop.name,
    shopAddress: shop.address ?? undefined,
    shopTaxId: shop.tax_id ?? undefined,
  };
}
