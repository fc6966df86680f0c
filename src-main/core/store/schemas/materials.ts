import type { MigrationStrategies, RxJsonSchema } from 'rxdb';
import { idField, timeField } from '@outpost/terminal-sdk';

/** The Library's download states (protocol/api/library.ts DownloadState). */
export const MATERIAL_STATES = [
  'none',
  'queued',
  'downloading',
  'paused',
  'verifying',
  'ready',
  'failed',
] as const;

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
  /** Chunks 0..chunksDone-1 are on disk and were verified (hash and GCM) when written: a resume skips them. */
  chunksDone: number;
  bytesDone: number;
  /** False once the server no longer lists it for this user. */
  available: boolean;
  /** Why the last download or read failed (CHUNK_HASH_MISMATCH, …), with the chunk index in words. */
  errorCode?: string;
  error?: string;
  updatedAt: number;
}

export const materialSchema: RxJsonSchema<MaterialDoc> = {
  title: 'material',
  version: 1,
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
    bytesDone: { type: 'integer', minimum: 0 },
    available: { type: 'boolean' },
    errorCode: { type: 'string', maxLength: 64 },
    error: { type: 'string', maxLength: 1000 },
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
    'bytesDone',
    'available',
    'updatedAt',
  ],
  additionalProperties: false,
  indexes: ['state'],
};

const V0_STATES: Record<string, MaterialDoc['state']> = {
  listed: 'none',
  downloading: 'paused',
  ready: 'ready',
  failed: 'failed',
};

export const materialMigrations: MigrationStrategies = {
  // v1: the Library's download states, bytes done and availability (issue #5).
  1: (doc: Omit<MaterialDoc, 'bytesDone' | 'available' | 'state'> & { state: string }): MaterialDoc => ({
    ...doc,
    state: V0_STATES[doc.state] ?? 'none',
    bytesDone: 0,
    available: true,
  }),
};
