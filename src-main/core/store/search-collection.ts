import type { RxCollection, RxDocumentData } from 'rxdb';
import { StoreError } from './errors';
import { RxStorageInstanceSqlite } from './instance';

interface Wrapped {
  originalStorageInstance?: unknown;
}

/**
 * Our instance under RxDB's wrappers (validation, dev-mode), each of which keeps the one it wraps;
 * undefined when the collection is on another storage (RxDB's memory storage in some tests).
 */
export function findSqliteInstance<T>(collection: RxCollection<T>): RxStorageInstanceSqlite<T> | undefined {
  let instance: unknown = collection.internalStorageInstance;
  for (let depth = 0; depth < 8 && instance; depth++) {
    if (instance instanceof RxStorageInstanceSqlite) return instance as RxStorageInstanceSqlite<T>;
    instance = (instance as Wrapped).originalStorageInstance;
  }
  return undefined;
}

function sqliteInstanceOf<T>(collection: RxCollection<T>): RxStorageInstanceSqlite<T> {
  const found = findSqliteInstance(collection);
  if (!found) {
    throw new StoreError('STORE_NO_TEXT_INDEX', `${collection.name} is not stored by the SQLite storage`);
  }
  return found;
}

/**
 * A collection's text search (storage setting `textSearch`), through its index: the documents as
 * the storage holds them (plain data, not RxDocuments), in the index's order. `folded` must be
 * folded as the collection's TextSearchSpec folds its entries.
 */
export function searchCollection<T>(
  collection: RxCollection<T>,
  folded: string,
  limit: number,
): Promise<RxDocumentData<T>[]> {
  return sqliteInstanceOf(collection).searchText(folded, limit);
}
