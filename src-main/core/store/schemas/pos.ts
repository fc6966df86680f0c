import type { MigrationStrategies, RxCollection, RxDatabase, RxJsonSchema } from 'rxdb';
import { OUTBOX_STATES, type OutboxState } from '../../../../protocol/states';
import { currencyField, idField, minorUnitsField, timeField } from './common';

/**
 * Collections of the point of sale and its sync (issue 4): shifts, the bundle outbox and the local
 * audit trail. They are added to the app database by `addPosCollections` when the core opens it.
 */

export const SHIFT_STATES = ['open', 'closed'] as const;

export interface ShiftDoc {
  id: string;
  deviceId: string;
  state: (typeof SHIFT_STATES)[number];
  openedAt: number;
  /** 0 while open (indexed fields cannot be absent). */
  closedAt: number;
  currency: string;
  floatMinor: number;
  countedCashMinor?: number;
  /** The Z-report as JSON text, written when the shift closes. */
  report?: string;
}

export const shiftSchema: RxJsonSchema<ShiftDoc> = {
  title: 'shift',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: idField,
    deviceId: idField,
    state: { type: 'string', enum: [...SHIFT_STATES], maxLength: 8 },
    openedAt: timeField,
    closedAt: timeField,
    currency: currencyField,
    floatMinor: minorUnitsField,
    countedCashMinor: minorUnitsField,
    report: { type: 'string', maxLength: 65536 },
  },
  required: ['id', 'deviceId', 'state', 'openedAt', 'closedAt', 'currency', 'floatMinor'],
  additionalProperties: false,
  indexes: [['state', 'openedAt']],
};
export const shiftMigrations: MigrationStrategies = {};

/**
 * `pending`: built and written, not answered (sent or not: a restart re-sends the same envelope);
 * then the server's answer. `rejected` is final: never retried. Beside the sale states:
 * protocol/states.ts.
 */
export const OUTBOX_STATUSES = OUTBOX_STATES;
export type OutboxStatus = OutboxState;

export interface OutboxDoc {
  bundleId: string;
  deviceId: string;
  seqFrom: number;
  seqTo: number;
  prevChainHead: string;
  chainHead: string;
  /** The signed `BundleEnvelope` as JSON text: re-sent byte for byte after a crash or lost answer. */
  envelope: string;
  status: OutboxStatus;
  attempts: number;
  /** Epoch ms before which no retry is made (exponential backoff with jitter). */
  nextAttemptAt: number;
  lastErrorCode?: string;
  lastError?: string;
  createdAt: number;
  updatedAt: number;
}

const seqField = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, multipleOf: 1 } as const;

export const outboxSchema: RxJsonSchema<OutboxDoc> = {
  title: 'bundle outbox',
  version: 0,
  primaryKey: 'bundleId',
  type: 'object',
  properties: {
    bundleId: idField,
    deviceId: idField,
    seqFrom: seqField,
    seqTo: seqField,
    prevChainHead: { type: 'string', maxLength: 64 },
    chainHead: { type: 'string', maxLength: 64 },
    envelope: { type: 'string', maxLength: 30_000_000 },
    status: { type: 'string', enum: [...OUTBOX_STATUSES], maxLength: 16 },
    attempts: { type: 'integer', minimum: 0 },
    nextAttemptAt: timeField,
    lastErrorCode: { type: 'string', maxLength: 64 },
    lastError: { type: 'string', maxLength: 1000 },
    createdAt: timeField,
    updatedAt: timeField,
  },
  required: [
    'bundleId',
    'deviceId',
    'seqFrom',
    'seqTo',
    'prevChainHead',
    'chainHead',
    'envelope',
    'status',
    'attempts',
    'nextAttemptAt',
    'createdAt',
    'updatedAt',
  ],
  additionalProperties: false,
  indexes: [
    ['deviceId', 'seqTo'],
    ['status', 'seqFrom'],
  ],
};
export const outboxMigrations: MigrationStrategies = {};

/** Local, append-only trail of what needed a manager or changed money outside a sale. */
export interface AuditDoc {
  id: string;
  at: number;
  type: string;
  /** Manager id, or 'cashier'. */
  actor: string;
  saleId?: string;
  /** JSON text. */
  data: string;
}

export const auditSchema: RxJsonSchema<AuditDoc> = {
  title: 'local audit entry',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: idField,
    at: timeField,
    type: { type: 'string', maxLength: 64 },
    actor: { type: 'string', maxLength: 128 },
    saleId: idField,
    data: { type: 'string', maxLength: 65536 },
  },
  required: ['id', 'at', 'type', 'actor', 'data'],
  additionalProperties: false,
  indexes: ['at'],
};
export const auditMigrations: MigrationStrategies = {};

export type PosCollections = {
  shifts: RxCollection<ShiftDoc>;
  outbox: RxCollection<OutboxDoc>;
  audit: RxCollection<AuditDoc>;
};

/** Adds the POS collections to an open app database (idempotent per database instance). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database of the app, whatever else it holds
export async function addPosCollections(rx: RxDatabase<any>): Promise<PosCollections> {
  const existing = rx.collections as Partial<PosCollections>;
  if (existing.shifts && existing.outbox && existing.audit) return existing as PosCollections;
  return (await rx.addCollections({
    shifts: { schema: shiftSchema, migrationStrategies: shiftMigrations },
    outbox: { schema: outboxSchema, migrationStrategies: outboxMigrations },
    audit: { schema: auditSchema, migrationStrategies: auditMigrations },
  })) as unknown as PosCollections;
}
