import type { CatalogItemDoc } from './schemas/index';
import { foldText, type TextSearchSpec } from './text-search';

/**
 * The till's catalog search (pos.catalog.search) as a text index: a query matches an item whose
 * folded name contains it, or whose folded sku or barcode starts with it; results in folded-name
 * order (then name, then sku, so equal folded names keep one order).
 */
export const catalogTextSearch: TextSearchSpec = {
  version: 1,
  entry(doc) {
    const item = doc as unknown as CatalogItemDoc;
    const name = foldText(item.name);
    return {
      sortKey: `${name}\u0000${item.name}\u0000${item.sku}`,
      text: name,
      prefixes: item.barcode ? [foldText(item.sku), item.barcode] : [foldText(item.sku)],
    };
  },
};
