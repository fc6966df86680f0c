import type { MigrationStrategies, RxJsonSchema } from 'rxdb';
import { basisPointsField, currencyField, minorUnitsField, timeField } from './common';

export interface CatalogItemDoc {
  sku: string;
  /** '' when the item has no barcode (indexed fields must be present). */
  barcode: string;
  name: string;
  priceMinor: number;
  currency: string;
  taxRate: number;
  updatedAt: number;
}

export const catalogSchema: RxJsonSchema<CatalogItemDoc> = {
  title: 'catalog item',
  version: 0,
  primaryKey: 'sku',
  type: 'object',
  properties: {
    sku: { type: 'string', maxLength: 64 },
    barcode: { type: 'string', maxLength: 64 },
    name: { type: 'string', maxLength: 200 },
    priceMinor: minorUnitsField,
    currency: currencyField,
    taxRate: basisPointsField,
    updatedAt: timeField,
  },
  required: ['sku', 'barcode', 'name', 'priceMinor', 'currency', 'taxRate', 'updatedAt'],
  additionalProperties: false,
  indexes: ['barcode'],
};

export const catalogMigrations: MigrationStrategies = {};
