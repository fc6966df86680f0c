import type { MigrationStrategies, RxJsonSchema } from 'rxdb';
import { timeField } from './common';

/**
 * Small app settings. Never secrets: those go to the keychain. `value` is JSON text: RxDB's ajv
 * runs in strict mode, which refuses a union-typed property, and one string column keeps any
 * JSON value (encodeSetting/decodeSetting below).
 */
export interface SettingDoc {
  key: string;
  value: string;
  updatedAt: number;
}

export const settingSchema: RxJsonSchema<SettingDoc> = {
  title: 'setting',
  version: 0,
  primaryKey: 'key',
  type: 'object',
  properties: {
    key: { type: 'string', maxLength: 128 },
    value: { type: 'string', maxLength: 65536 },
    updatedAt: timeField,
  },
  required: ['key', 'value', 'updatedAt'],
  additionalProperties: false,
};

export const settingMigrations: MigrationStrategies = {};

export type SettingValue =
  string | number | boolean | null | SettingValue[] | { [key: string]: SettingValue };

export function encodeSetting(value: SettingValue): string {
  return JSON.stringify(value);
}

export function decodeSetting(doc: Pick<SettingDoc, 'value'>): SettingValue {
  return JSON.parse(doc.value) as SettingValue;
}
