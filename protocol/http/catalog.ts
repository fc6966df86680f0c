import { z } from 'zod';
import { QUICK_KEY_LIMITS } from '../api/quick-keys';
import { plainText } from './common';

/**
 * What a till's catalog holds beyond an item's price (issue #19, item 6): several barcodes per
 * product, the categories of its quick grid, each item's place there, and the shop's details printed
 * on receipts. Tills ask for them with `catalog=2` on their pull (docs/protocol.md); older tills do
 * not and get the answer they always had.
 */

/** EAN-8, UPC-A, EAN-13 or GTIN-14 digits, as the till's scanner reads them. */
export const Barcode = z.string().regex(/^\d{8,14}$/, '8 to 14 digits');

/** A category's stable id: lower-case letters, digits and dashes (its name may change). */
export const CategoryId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, '1-40 of a-z 0-9 -, not starting with -');

/** Places in one category's quick grid: 0 is the first key. */
export const QUICK_KEY_SLOTS = QUICK_KEY_LIMITS.keysPerCategory;
export const MAX_BARCODES_PER_ITEM = 10;

/** A quick grid category: tills show them in `position` order (0 first). */
export const Category = z.object({
  category_id: CategoryId,
  name: plainText(40),
  position: z
    .number()
    .int()
    .min(0)
    .max(QUICK_KEY_LIMITS.categories - 1),
});
export type Category = z.infer<typeof Category>;

/** The shop's details a till prints at the top of its receipts. */
export const Shop = z.object({
  name: plainText(64),
  address: plainText(200).nullable(),
  tax_id: plainText(40).nullable(),
});
export type Shop = z.infer<typeof Shop>;

/**
 * At most this many bytes: a quick key's picture, not a photo from a phone. A till keeps it, base64,
 * in one document of its encrypted store (at most 64 KiB of text each).
 */
export const MAX_CATALOG_IMAGE_BYTES = 40 * 1024;
/** Each side from MIN to MAX pixels. */
export const MIN_CATALOG_IMAGE_SIDE = 16;
export const MAX_CATALOG_IMAGE_SIDE = 1024;

/** The image formats a product's picture may have, told by its first bytes (never by a name or header). */
export const CATALOG_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
export const CatalogImageType = z.enum(CATALOG_IMAGE_TYPES);
export type CatalogImageType = z.infer<typeof CatalogImageType>;

/**
 * A product's picture, as an item names it (issue #19, item 6): the bytes are fetched apart
 * (docs/protocol.md), and a till keeps only bytes whose SHA-256 is this one.
 */
export const CatalogImageRef = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  content_type: CatalogImageType,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});
export type CatalogImageRef = z.infer<typeof CatalogImageRef>;

/** An item's fields beyond its price: optional, so items written before them still parse. */
export const ItemPlacement = {
  /** Every barcode that scans to this product (the first is also `barcode`). */
  barcodes: z
    .array(Barcode)
    .max(MAX_BARCODES_PER_ITEM)
    .refine((b) => new Set(b).size === b.length, 'each barcode once')
    .optional(),
  /** Its category in the quick grid; null: not on a quick key. */
  category_id: CategoryId.nullable().optional(),
  /** Its key in its category's grid (0 first); null: the till places it after the placed ones. */
  quick_key: z
    .number()
    .int()
    .min(0)
    .max(QUICK_KEY_SLOTS - 1)
    .nullable()
    .optional(),
  /** Its picture (null: none); set only through the image routes, ignored in an item written. */
  image: CatalogImageRef.nullable().optional(),
};
