import { join } from 'node:path';
import { ensureRxStorageInstanceParamsAreCorrect, RXDB_VERSION } from 'rxdb';
import type { RxStorage, RxStorageInstanceCreationParams } from 'rxdb';
import { acquireFile, rekeyDatabase, releaseFile } from './files';
import {
  createSqliteInstance,
  type RxStorageInstanceSqlite,
  type SqliteInstanceOptions,
  type SqliteInternals,
} from './instance';
import type { StoreKeyProvider } from './key';
import { tableName } from './table';
import type { TextSearchSpec } from './text-search';

export type RxStorageSqliteSettings = {
  keyProvider: StoreKeyProvider;
  /**
   * Per collection (table): parsed documents kept for reads, bounded by the length of their JSON.
   * Default DEFAULT_DOCUMENT_CACHE_BYTES; 0 turns the cache off. The first instance of a table in
   * an open file sets it for every instance of that table.
   */
  documentCacheBytes?: number;
  /**
   * By collection name: a text index kept with the collection's rows (text-search.ts), read by
   * `searchText`. Collections not named here have none and pay nothing for it.
   */
  textSearch?: Readonly<Record<string, TextSearchSpec>>;
} & (
  | { /** One `<databaseName>.sqlite` file per RxDB database in this directory. */ databaseDir: string }
  | { /** Path of the file of an RxDB database. */ filename: (databaseName: string) => string }
);

export interface RxStorageSqlite extends RxStorage<SqliteInternals, SqliteInstanceOptions> {
  readonly settings: RxStorageSqliteSettings;
  filePath(databaseName: string): string;
  /** Rotates the database's key; see rekey.ts for the crash-safe order. */
  rekeyDatabase(databaseName: string): Promise<void>;
  createStorageInstance<T>(
    params: RxStorageInstanceCreationParams<T, SqliteInstanceOptions>,
  ): Promise<RxStorageInstanceSqlite<T>>;
}

/** Database names may hold any character; file names get only [A-Za-z0-9_-] and %XXXX escapes. */
export function fileNameFor(databaseName: string): string {
  const safe = databaseName.replace(
    /[^A-Za-z0-9_-]/g,
    (c) => `%${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `${safe}.sqlite`;
}

export const RX_STORAGE_NAME_SQLITE = 'outpost-sqlite';

/** 16 MiB of JSON per collection: ~30,000 sales (the heap holds about 2.5x the JSON length). */
export const DEFAULT_DOCUMENT_CACHE_BYTES = 16 * 1024 * 1024;

/**
 * RxDB storage on SQLite encrypted with SQLite3MultipleCiphers. One file per RxDB database, one
 * table per collection and schema version: one key and one WAL per database, and a bulkWrite
 * touching one collection is one SQLite transaction.
 */
export function getRxStorageSqlite(settings: RxStorageSqliteSettings): RxStorageSqlite {
  const filePath = (databaseName: string) =>
    'filename' in settings
      ? settings.filename(databaseName)
      : join(settings.databaseDir, fileNameFor(databaseName));
  const storage: RxStorageSqlite = {
    name: RX_STORAGE_NAME_SQLITE,
    rxdbVersion: RXDB_VERSION,
    settings,
    filePath,
    rekeyDatabase: (databaseName) =>
      rekeyDatabase(filePath(databaseName), databaseName, settings.keyProvider),
    async createStorageInstance<T>(params: RxStorageInstanceCreationParams<T, SqliteInstanceOptions>) {
      ensureRxStorageInstanceParamsAreCorrect(params);
      const file = acquireFile(filePath(params.databaseName), params.databaseName, settings.keyProvider);
      try {
        return await createSqliteInstance<T>(
          storage,
          file,
          params,
          tableName(params.collectionName, params.schema.version),
          settings.documentCacheBytes ?? DEFAULT_DOCUMENT_CACHE_BYTES,
          settings.textSearch?.[params.collectionName],
        );
      } catch (err) {
        // A table that cannot open (its layout conversion refused for room, STORE_DISK_FULL) must
        // not hold the file open: closing it deletes the WAL the rolled-back conversion filled.
        // When the file itself failed to open, createSqliteInstance released it already.
        if (await file.ready.then(Boolean, () => false)) await releaseFile(file);
        throw err;
      }
    },
  };
  return storage;
}
