import type { MigrationStrategies, RxJsonSchema } from 'rxdb';
import { idField, timeField } from '@outpost/terminal-sdk';

/** Local states: the server's word at the last sync (time-based expiry is computed by the secure clock). */
export const LICENCE_STATES = ['active', 'expired', 'revoked', 'returned', 'cancelled'] as const;

/** A licence bound to this device for one material; `token` is the signed licence as received. */
export interface LicenceDoc {
  id: string;
  materialId: string;
  deviceId: string;
  issuedAt: number;
  expiresAt: number;
  state: (typeof LICENCE_STATES)[number];
  token: string;
}

export const licenceSchema: RxJsonSchema<LicenceDoc> = {
  title: 'licence',
  version: 1,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: idField,
    materialId: idField,
    deviceId: idField,
    issuedAt: timeField,
    expiresAt: timeField,
    state: { type: 'string', enum: [...LICENCE_STATES], maxLength: 16 },
    token: { type: 'string', maxLength: 16384 },
  },
  required: ['id', 'materialId', 'deviceId', 'issuedAt', 'expiresAt', 'state', 'token'],
  additionalProperties: false,
  indexes: ['materialId', ['state', 'expiresAt']],
};

export const licenceMigrations: MigrationStrategies = {
  // v1 only widened the state enum.
  1: (doc: LicenceDoc): LicenceDoc => doc,
};
