import type { MigrationStrategies, RxJsonSchema } from 'rxdb';
import { currencyField, minorUnitsField, timeField } from './common';

/** Offline limits for one country, as published by the server. */
export interface PolicyDoc {
  /** ISO 3166-1 alpha-2. */
  country: string;
  currency: string;
  enabled: boolean;
  limits: {
    maxOfflineAmountMinor: number;
    maxOfflinePerDevicePerDay: number;
    maxBundleAgeHours: number;
  };
  updatedAt: number;
}

export const policySchema: RxJsonSchema<PolicyDoc> = {
  title: 'offline policy',
  version: 0,
  primaryKey: 'country',
  type: 'object',
  properties: {
    country: { type: 'string', pattern: '^[A-Z]{2}$', maxLength: 2 },
    currency: currencyField,
    enabled: { type: 'boolean' },
    limits: {
      type: 'object',
      properties: {
        maxOfflineAmountMinor: minorUnitsField,
        maxOfflinePerDevicePerDay: { type: 'integer', minimum: 0 },
        maxBundleAgeHours: { type: 'integer', minimum: 0 },
      },
      required: ['maxOfflineAmountMinor', 'maxOfflinePerDevicePerDay', 'maxBundleAgeHours'],
      additionalProperties: false,
    },
    updatedAt: timeField,
  },
  required: ['country', 'currency', 'enabled', 'limits', 'updatedAt'],
  additionalProperties: false,
};

export const policyMigrations: MigrationStrategies = {};
