import type { MigrationStrategies, RxCollection, RxDatabase, RxJsonSchema } from 'rxdb';
import {
  currencyField,
  idField,
  minorUnitsField,
  outboxMigrations,
  outboxSchema,
  timeField,
  type OutboxDoc,
} from '@outpost/terminal-sdk';

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
