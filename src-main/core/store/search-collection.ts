import type { RxCollection, RxDocumentData } from 'rxdb';
import { StoreError } from './errors';
import { RxStorageInstanceSqlite } from './instance';

interface Wrapped {
  originalStorageInstance?: unknown;
}

/** Our instance under RxDB's wrappers (validation, dev-mode): each keeps the one it wraps. */
function sqliteInstanceOf<T>(collection: RxCollection<T>): RxStorageInstanceSqlite<T> {
  let instance: unknown = collection.internalStorageInstance;
  for (let depth = 0; depth < 8 && instance; depth++) {
    if (instance instanceof RxStorageInstanceSqlite) return instance as RxStorageInstanceSqlite<T>;
    instance = (instance as Wrapped).originalStorageInstance;
  }
  throw new StoreError('STORE_NO_TEXT_INDEX', `${collection.name} is not stored by the SQLite storage`);
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
