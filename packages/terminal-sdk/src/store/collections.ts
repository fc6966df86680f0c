import { addRxPlugin, type RxCollection, type RxDatabase } from 'rxdb';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { catalogMigrations, catalogSchema, type CatalogItemDoc } from './catalog';
import { outboxMigrations, outboxSchema, type OutboxDoc } from './outbox';
import { saleMigrations, saleSchema, type SaleDoc } from './sales';
import { settingMigrations, settingSchema, type SettingDoc } from './settings';

/** The four collections a terminal syncs: its sales, the bundle outbox, the catalog, small settings. */
export interface TerminalCollections {
  sales: RxCollection<SaleDoc>;
  outbox: RxCollection<OutboxDoc>;
  catalog: RxCollection<CatalogItemDoc>;
  settings: RxCollection<SettingDoc>;
}

/** Their RxDB definitions, for `db.addCollections` (the app adds them beside its own). */
export const TERMINAL_COLLECTIONS = {
  sales: { schema: saleSchema, migrationStrategies: saleMigrations },
  outbox: { schema: outboxSchema, migrationStrategies: outboxMigrations },
  catalog: { schema: catalogSchema, migrationStrategies: catalogMigrations },
  settings: { schema: settingSchema, migrationStrategies: settingMigrations },
} as const;

// The sales schema is at version 2: a store written by an older version is migrated on open.
addRxPlugin(RxDBMigrationSchemaPlugin);

/** Adds the terminal's collections to an open RxDB database (any storage) once. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any database, whatever else it holds
export async function addTerminalCollections(db: RxDatabase<any>): Promise<TerminalCollections> {
  const existing = db.collections as Partial<TerminalCollections>;
  if (existing.sales && existing.outbox && existing.catalog && existing.settings)
    return existing as TerminalCollections;
  return (await db.addCollections(TERMINAL_COLLECTIONS)) as unknown as TerminalCollections;
}
