// The collections the terminal SDK syncs (sales, catalog, settings, the bundle outbox) are defined
// by the SDK (packages/terminal-sdk/src/store/), so the app and any other terminal keep one shape.
export {
  basisPointsField,
  currencyField,
  idField,
  MAX_TIME_MS,
  minorUnitsField,
  timeField,
  SALE_STATUSES,
  TENDER_KINDS,
  saleMigrations,
  saleSchema,
  catalogMigrations,
  catalogSchema,
  decodeSetting,
  encodeSetting,
  settingMigrations,
  settingSchema,
  OUTBOX_STATUSES,
  outboxMigrations,
  outboxSchema,
  type CatalogItemDoc,
  type OutboxDoc,
  type OutboxStatus,
  type SaleDoc,
  type SaleLine,
  type SaleStatus,
  type SaleTender,
  type SettingDoc,
  type SettingValue,
} from '@outpost/terminal-sdk';
export * from './materials';
export * from './licences';
export * from './pos';
export * from './reading';
