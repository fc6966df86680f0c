import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { addRxPlugin, createRxDatabase } from 'rxdb';
import type { RxCollection, RxDatabase, RxStorage } from 'rxdb';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import type { KeyStore } from '../../../native/index';
import { catalogTextSearch } from './catalog-search';
import { KeychainKeyProvider } from './key';
import {
  catalogMigrations,
  catalogSchema,
  licenceMigrations,
  licenceSchema,
  materialMigrations,
  materialSchema,
  readingMigrations,
  readingSchema,
  saleMigrations,
  saleSchema,
  settingMigrations,
  settingSchema,
  type CatalogItemDoc,
  type LicenceDoc,
  type MaterialDoc,
  type ReadingDoc,
  type SaleDoc,
  type SettingDoc,
} from './schemas/index';
import { getRxStorageSqlite, type RxStorageSqlite } from './storage';

// Registered once per process; with it, a schema version bump migrates using the strategies below.
addRxPlugin(RxDBMigrationSchemaPlugin);

export type AppCollections = {
  sales: RxCollection<SaleDoc>;
  catalog: RxCollection<CatalogItemDoc>;
  materials: RxCollection<MaterialDoc>;
  licences: RxCollection<LicenceDoc>;
  reading: RxCollection<ReadingDoc>;
  settings: RxCollection<SettingDoc>;
};

export interface OpenAppDatabaseOptions {
  /** Directory of the app's data; the database is `<dataDir>/<name>.sqlite`. */
  dataDir: string;
  /** Where the database key lives (the OS keychain in the app). */
  keyStore: KeyStore;
  /** RxDB database name, also the keychain account suffix. Default 'outpost'. */
  name?: string;
  /**
   * Validate every write against the JSON schema (ajv). Default: on except when NODE_ENV is
   * 'production'. Compiling the six validators costs 10-45 ms of the first open of a process, and in
   * production every write already comes through code that validated its input with zod at the API.
   */
  validate?: boolean;
}

export interface AppDatabase {
  readonly rx: RxDatabase<AppCollections>;
  readonly storage: RxStorageSqlite;
  readonly filePath: string;
  /** Rotates the database key in the keychain and in the file (crash-safe, see rekey.ts). */
  rekey(): Promise<void>;
  close(): Promise<void>;
}

/**
 * RxDB's default hash (SHA-256 hex of the schema) through node:crypto: the same digests, without
 * loading WebCrypto and awaiting it for every collection on a process's first open.
 */
export async function sha256Hex(input: string | ArrayBuffer | Blob): Promise<string> {
  const hash = createHash('sha256');
  if (typeof input === 'string') hash.update(input, 'utf8');
  else hash.update(new Uint8Array(input instanceof Blob ? await input.arrayBuffer() : input));
  return hash.digest('hex');
}

export async function openAppDatabase(options: OpenAppDatabaseOptions): Promise<AppDatabase> {
  const name = options.name ?? 'outpost';
  mkdirSync(options.dataDir, { recursive: true });
  const storage = getRxStorageSqlite({
    databaseDir: options.dataDir,
    keyProvider: new KeychainKeyProvider(options.keyStore),
    // The till searches 50,000 products per keystroke through an index, not by reading them all.
    textSearch: { catalog: catalogTextSearch },
  });
  const rxStorage: RxStorage<unknown, unknown> =
    (options.validate ?? process.env.NODE_ENV !== 'production')
      ? wrappedValidateAjvStorage({ storage })
      : storage;
  const rx = await createRxDatabase<AppCollections>({
    name,
    storage: rxStorage,
    // The main process is the only one touching the file.
    multiInstance: false,
    eventReduce: true,
    hashFunction: sha256Hex,
  });
  try {
    await rx.addCollections({
      sales: { schema: saleSchema, migrationStrategies: saleMigrations },
      catalog: { schema: catalogSchema, migrationStrategies: catalogMigrations },
      materials: { schema: materialSchema, migrationStrategies: materialMigrations },
      licences: { schema: licenceSchema, migrationStrategies: licenceMigrations },
      reading: { schema: readingSchema, migrationStrategies: readingMigrations },
      settings: { schema: settingSchema, migrationStrategies: settingMigrations },
    });
  } catch (err) {
    await rx.close();
    throw err;
  }
  return {
    rx,
    storage,
    filePath: storage.filePath(name),
    rekey: () => storage.rekeyDatabase(name),
    close: async () => {
      await rx.close();
    },
  };
}
