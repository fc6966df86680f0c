import type { MigrationStrategies, RxJsonSchema } from 'rxdb';
import { currencyField, idField, minorUnitsField, timeField, basisPointsField } from './common';

export const SALE_STATUSES = ['recorded', 'queued', 'accepted', 'rejected', 'reconciled', 'voided'] as const;
export type SaleStatus = (typeof SALE_STATUSES)[number];
export const TENDER_KINDS = ['cash', 'card', 'mobile_money', 'voucher'] as const;

export interface SaleLine {
  sku: string;
  name: string;
  qty: number;
  unitPriceMinor: number;
  taxRate: number;
  totalMinor: number;
}

export interface SaleTender {
  kind: (typeof TENDER_KINDS)[number];
  amountMinor: number;
  reference?: string;
}

/** A sale as recorded on the terminal: hash-chained per device (prevHash -> hash) and numbered. */
export interface SaleDoc {
  id: string;
  deviceId: string;
  seq: number;
  prevHash: string;
  hash: string;
  /** Epoch milliseconds, UTC, from the terminal clock. */
  createdAt: number;
  currency: string;
  totalMinor: number;
  lines: SaleLine[];
  tenders: SaleTender[];
  status: SaleStatus;
  /** True when the sale was authorised online, false when taken offline. */
  online: boolean;
}

export const saleSchema: RxJsonSchema<SaleDoc> = {
  title: 'sale',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: idField,
    deviceId: idField,
    seq: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, multipleOf: 1 },
    prevHash: { type: 'string', maxLength: 128 },
    hash: { type: 'string', maxLength: 128 },
    createdAt: timeField,
    currency: currencyField,
    totalMinor: minorUnitsField,
    lines: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          sku: { type: 'string', maxLength: 64 },
          name: { type: 'string', maxLength: 200 },
          qty: { type: 'integer', minimum: 1 },
          unitPriceMinor: minorUnitsField,
          taxRate: basisPointsField,
          totalMinor: minorUnitsField,
        },
        required: ['sku', 'name', 'qty', 'unitPriceMinor', 'taxRate', 'totalMinor'],
        additionalProperties: false,
      },
    },
    tenders: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          kind: { type: 'string', enum: [...TENDER_KINDS] },
          amountMinor: minorUnitsField,
          reference: { type: 'string', maxLength: 128 },
        },
        required: ['kind', 'amountMinor'],
        additionalProperties: false,
      },
    },
    status: { type: 'string', enum: [...SALE_STATUSES], maxLength: 16 },
    online: { type: 'boolean' },
  },
  required: [
    'id',
    'deviceId',
    'seq',
    'prevHash',
    'hash',
    'createdAt',
    'currency',
    'totalMinor',
    'lines',
    'tenders',
    'status',
    'online',
  ],
  additionalProperties: false,
  indexes: [
    ['deviceId', 'createdAt'],
    ['status', 'createdAt'],
    ['deviceId', 'seq'],
  ],
};

/** Version n+1 adds `n+1: (old) => new` here; RxDB migrates on open. */
export const saleMigrations: MigrationStrategies = {};
