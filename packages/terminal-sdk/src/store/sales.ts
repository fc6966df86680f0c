import type { MigrationStrategies, RxJsonSchema } from 'rxdb';
import { STORED_SALE_STATES, type StoredSaleState } from '../../../../protocol/states';
import { currencyField, minorUnitsField, timeField, basisPointsField } from './common';

/**
 * Sale, device, shift and bundle ids (UUIDs of 36 characters; device ids `OP-` + 16). 40, not the
 * shared 64: RxDB pads every string of an index to its maxLength, and `id` and `deviceId` are in all
 * four sales indexes, so they were 467 characters of index string per sale (323 at 40); the bulk
 * insert bench measured ~1.2x faster. Version 2 of the schema.
 */
const saleIdField = { type: 'string', maxLength: 40 } as const;

/**
 * `recorded`: on this terminal only; `queued`: inside a bundle of the outbox, sent or about to be,
 * no answer yet; then the server's verdict (accepted, review, quarantined, reconciled, rejected).
 * `voided` is a version 0 value no code writes any more: a void is a new sale (kind 'void').
 * What the API, the outbox and the server call each: protocol/states.ts.
 */
export const SALE_STATUSES = STORED_SALE_STATES;
export type SaleStatus = StoredSaleState;
export const TENDER_KINDS = ['cash', 'card', 'mobile_money', 'voucher', 'qr'] as const;

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
  // Version 1 (all optional, so version 0 documents are valid version 1 documents):
  /** 'sale' when absent. */
  kind?: 'sale' | 'refund' | 'void';
  originalSaleId?: string;
  shiftId?: string;
  /** The outbox bundle that carries this sale, once it is in one. */
  bundleId?: string;
  /** The server's reason code when it refused or flagged the sale's bundle. */
  statusReason?: string;
  /** The protocol `Sale` exactly as chained and hashed (RFC 8785 JSON): what bundles carry. */
  record?: string;
  updatedAt?: number;
}

export const saleSchema: RxJsonSchema<SaleDoc> = {
  title: 'sale',
  version: 2,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: saleIdField,
    deviceId: saleIdField,
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
    kind: { type: 'string', enum: ['sale', 'refund', 'void'], maxLength: 8 },
    originalSaleId: saleIdField,
    shiftId: saleIdField,
    bundleId: saleIdField,
    statusReason: { type: 'string', maxLength: 64 },
    record: { type: 'string', maxLength: 2_000_000 },
    updatedAt: timeField,
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

/**
 * Version n+1 adds `n+1: (old) => new` here; RxDB migrates on open.
 * 1: adds optional fields and enum values only, so a version 0 document is kept as it is.
 * 2: id fields' maxLength 64 -> 40 (shorter index strings). Every id this app writes fits (UUIDs,
 *    `OP-` device ids), so documents are kept as they are; RxDB writes them into the new table with
 *    the new index strings.
 */
export const saleMigrations: MigrationStrategies = {
  1: (doc: SaleDoc) => doc,
  2: (doc: SaleDoc) => doc,
};
