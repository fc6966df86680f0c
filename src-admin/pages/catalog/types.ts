import type { z } from 'zod';
import type { CatalogItemRecord as ItemSchema } from '../../../protocol/http/catalog-admin';

/** The catalog routes' shapes, as types only: their schemas' module is not for the browser. */
export type { CatalogListing, CsvRowIssue } from '../../../protocol/http/catalog-admin';
export type { CatalogItem } from '../../../protocol/http/payments';
export type CatalogItemRecord = z.infer<typeof ItemSchema>;
