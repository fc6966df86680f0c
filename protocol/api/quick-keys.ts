import { z } from 'zod';
import { Text } from './feature';

/**
 * Quick keys (issue 18): the till's product grid for items sold without a barcode (bread, fruit,
 * coffee), arranged by a manager in categories. The layout names catalog items by sku; the till
 * shows each with the catalog's current name and price, and leaves out a sku the catalog no longer
 * has. Kept in the till's encrypted store; changing it takes a manager's ID and PIN.
 */

export const QUICK_KEY_LIMITS = { categories: 12, keysPerCategory: 48 } as const;

export const QuickKeyCategory = z.strictObject({
  name: Text(40),
  skus: z
    .array(Text(64))
    .max(QUICK_KEY_LIMITS.keysPerCategory)
    .refine((skus) => new Set(skus).size === skus.length, 'a product once per category'),
});

export const QuickKeysLayout = z.strictObject({
  categories: z
    .array(QuickKeyCategory)
    .max(QUICK_KEY_LIMITS.categories)
    .refine((c) => new Set(c.map((x) => x.name)).size === c.length, 'category names differ'),
});
export type QuickKeysLayout = z.infer<typeof QuickKeysLayout>;

export const QuickKeysSetInput = z.strictObject({
  layout: QuickKeysLayout,
  /** The manager making the change (pos.managerPin.set). */
  manager: z.strictObject({ managerId: Text(128), pin: z.string().regex(/^\d{4,12}$/, '4 to 12 digits') }),
});
export type QuickKeysSetInput = z.infer<typeof QuickKeysSetInput>;
