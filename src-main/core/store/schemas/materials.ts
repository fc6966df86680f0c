import type { MigrationStrategies, RxJsonSchema } from 'rxdb';
import { idField, timeField } from './common';

export const MATERIAL_STATES = ['listed', 'downloading', 'ready', 'failed'] as const;

/** A licensed material known to this device. Its chunks stay encrypted on disk, never in here. */
export interface MaterialDoc {
  id: string;
  title: string;
  mimeType: string;
  sizeBytes: number;
  chunkSize: number;
  chunkCount: number;
  /** Hash of the signed manifest the chunks are checked against. */
  manifestHash: string;
  state: (typeof MATERIAL_STATES)[number];
  /** Chunks already on disk, for resumable downloads. */
  chunksDone: number;
  updatedAt: number;
}

export const materialSchema: RxJsonSchema<MaterialDoc> = {
  title: 'material',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: idField,
    title: { type: 'string', maxLength: 500 },
    mimeType: { type: 'string', maxLength: 128 },
    sizeBytes: { type: 'integer', minimum: 0 },
    chunkSize: { type: 'integer', minimum: 1 },
    chunkCount: { type: 'integer', minimum: 0 },
    manifestHash: { type: 'string', maxLength: 128 },
    state: { type: 'string', enum: [...MATERIAL_STATES], maxLength: 16 },
    chunksDone: { type: 'integer', minimum: 0 },
    updatedAt: timeField,
  },
  required: [
    'id',
    'title',
    'mimeType',
    'sizeBytes',
    'chunkSize',
    'chunkCount',
    'manifestHash',
    'state',
    'chunksDone',
    'updatedAt',
  ],
  additionalProperties: false,
  indexes: ['state'],
};

export const materialMigrations: MigrationStrategies = {};
