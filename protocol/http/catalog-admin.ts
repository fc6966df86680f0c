import { z } from 'zod';
import { IsoDateTime, refuseCardData, TenantId, TenantType } from './common';
import { Category, Shop } from './catalog';
import { CatalogItem } from './payments';

/** The back office's catalog routes (issue #19, item 6): one tenant's products, categories and shop. */

/** Which tenant's catalog: the query of GET /offline/catalog and /offline/catalog/export. */
export const TenantQuery = z.object({ tenant_type: TenantType, tenant_id: TenantId }).strict();
export const TenantRef = { tenant_type: TenantType, tenant_id: TenantId };

export const CatalogItemRecord = CatalogItem.extend({ updated_at: IsoDateTime });

/** GET /offline/catalog: every item (retired ones too, `active: false`), its categories and shop. */
export const CatalogListing = z.object({
  items: z.array(CatalogItemRecord),
  categories: z.array(Category),
  shop: Shop.nullable(),
});
export type CatalogListing = z.infer<typeof CatalogListing>;

/** POST /offline/catalog/categories: the tenant's whole set of quick grid categories. */
export const CategoriesRequest = z
  .object({ ...TenantRef, categories: z.array(Category).max(12) })
  .superRefine(({ categories }, ctx) => {
    const ids = categories.map((c) => c.category_id);
    if (new Set(ids).size !== ids.length)
      ctx.addIssue({ code: 'custom', path: ['categories'], message: 'each category_id once' });
    const positions = categories.map((c) => c.position);
    if (new Set(positions).size !== positions.length)
      ctx.addIssue({ code: 'custom', path: ['categories'], message: 'each position once' });
    categories.forEach((category, i) => refuseCardData(category, ctx, ['name'], ['categories', i]));
  });
export const CategoriesResponse = z.object({ categories: z.array(Category) });

/** POST /offline/catalog/shop: the shop details tills print on receipts. */
export const ShopRequest = z
  .object({ ...TenantRef, ...Shop.shape })
  .superRefine((shop, ctx) => refuseCardData(shop, ctx, ['name', 'address', 'tax_id']));
export const ShopResponse = z.object({ shop: Shop });

/** DELETE /offline/catalog/:tenant_type/:tenant_id/items/:sku. */
export const CatalogItemParams = z.object({ ...TenantRef, sku: CatalogItem.shape.sku });

/** Retiring keeps the row (`active: false`) so tills learn it on their next pull. */
export const CatalogItemRetired = z.object({ item: CatalogItemRecord });

/** A CSV import of at most this many characters (the JSON body limit is 1 MB). */
export const CATALOG_CSV_MAX_CHARS = 900_000;
/** Rows of one CSV import (the header not counted). */
export const CATALOG_CSV_MAX_ROWS = 5000;

/** POST /offline/catalog/import: a CSV file's text (docs/operations.md "Catalog CSV"). */
export const CatalogImportRequest = z.object({
  ...TenantRef,
  csv: z.string().min(1).max(CATALOG_CSV_MAX_CHARS),
});
export const CatalogImportResponse = z.object({
  /** Items whose stored values changed. */
  changed: z.number().int().min(0),
  /** Rows read (the header not counted). */
  total: z.number().int().min(0),
});

/** The CSV's columns, in the order export writes them; import takes them in any order. */
export const CATALOG_CSV_COLUMNS = [
  'sku',
  'name',
  'price_minor',
  'currency',
  'tax_rate_bp',
  'barcodes',
  'category_id',
  'quick_key',
  'active',
] as const;

/** GET /offline/catalog/export's body. */
export const CatalogCsv = z.string().describe('text/csv, UTF-8, a header row then one row per item');

/** One refused row of an import: `error.details` of 400 CATALOG_CSV_INVALID lists them. */
export const CsvRowIssue = z.object({
  /** 1-based line of the file (the header is line 1). */
  line: z.number().int().min(1),
  column: z.string().nullable(),
  code: z.string(),
  message: z.string(),
});
export type CsvRowIssue = z.infer<typeof CsvRowIssue>;

export const CatalogErrorCode = {
  /** The CSV (or a row of it) is invalid; nothing was imported. `details`: CsvRowIssue[]. */
  CATALOG_CSV_INVALID: 'CATALOG_CSV_INVALID',
  CATALOG_ITEM_NOT_FOUND: 'CATALOG_ITEM_NOT_FOUND',
  /** An item names a category the tenant does not have. */
  CATEGORY_NOT_FOUND: 'CATEGORY_NOT_FOUND',
  /** A category still has items: move or retire them first. */
  CATEGORY_IN_USE: 'CATEGORY_IN_USE',
  /** Two active items of one category on the same quick key. */
  QUICK_KEY_TAKEN: 'QUICK_KEY_TAKEN',
} as const;
export type CatalogErrorCode = (typeof CatalogErrorCode)[keyof typeof CatalogErrorCode];
