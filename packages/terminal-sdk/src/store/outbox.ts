import type { MigrationStrategies, RxJsonSchema } from 'rxdb';
import { OUTBOX_STATES, type OutboxState } from '../../../../protocol/states';
import { idField, timeField } from './common';

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
