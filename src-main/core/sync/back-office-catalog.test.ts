import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../../protocol/http';
import { serverCatalogAfter, serverLayout, withShop, type ServerCatalog } from './back-office-catalog';

const item = (
  sku: string,
  category_id: string | null,
  quick_key: number | null,
  active = true,
): CatalogItem => ({
  sku,
  barcode: null,
  name: sku,
  price_minor: 100,
  currency: 'XOF',
  tax_rate_bp: 0,
  active,
  category_id,
  quick_key,
});
const EMPTY: ServerCatalog = { categories: [], placements: {}, shop: null };
const CATEGORIES = [
  { category_id: 'b', name: 'B', position: 1 },
  { category_id: 'a', name: 'A', position: 0 },
];

describe('the back office’s catalog on a till', () => {
  it('an answer without categories (an older server) changes nothing', () => {
    expect(serverCatalogAfter(EMPTY, { catalog: [item('x', 'a', 0)] })).toBeUndefined();
  });

  it('applies placements as a delta: a retired item or one taken off the grid leaves it', () => {
    const first = serverCatalogAfter(EMPTY, {
      catalog: [item('x', 'a', 1), item('y', 'a', 0), item('z', 'b', null)],
      categories: CATEGORIES,
      shop: null,
    })!;
    expect(serverLayout(first)).toEqual({
      categories: [
        { name: 'A', skus: ['y', 'x'] },
        { name: 'B', skus: ['z'] },
      ],
    });
    const second = serverCatalogAfter(first, {
      catalog: [item('x', null, null), item('z', 'b', 0, false)],
      categories: CATEGORIES,
      shop: { name: 'Shop', address: null, tax_id: 'T1' },
    })!;
    expect(serverLayout(second)).toEqual({
      categories: [
        { name: 'A', skus: ['y'] },
        { name: 'B', skus: [] },
      ],
    });
    expect(second.shop).toEqual({ name: 'Shop', address: null, tax_id: 'T1' });
  });

  it('leaves the manager’s layout when the server has no categories, and the settings’ shop when it has none', () => {
    expect(serverLayout(EMPTY)).toBeNull();
    const settings = { shopName: 'Mine', shopAddress: 'Here' };
    expect(withShop(settings, null)).toBe(settings);
    expect(withShop(settings, { name: 'Server', address: null, tax_id: 'T' })).toEqual({
      shopName: 'Server',
      shopAddress: undefined,
      shopTaxId: 'T',
    });
  });
});
