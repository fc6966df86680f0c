import { normalizeMangoQuery, prepareQuery } from 'rxdb';
import type { MangoQuery, RxCollection, RxDocumentData } from 'rxdb';

/**
 * A Mango query answered by the collection's storage as plain documents, without RxDocuments or
 * RxQuery's result cache: for reports that read thousands of documents once (a shift's sales for
 * its Z-report), where making an RxDocument of each and copying it with toJSON cost more than the
 * read itself. Only live documents, as RxQuery returns them. The objects may be the storage's own
 * (our document cache hands them out): read-only.
 */
export async function queryPlain<T>(
  collection: RxCollection<T>,
  query: MangoQuery<T>,
): Promise<readonly RxDocumentData<T>[]> {
  const schema = collection.schema.jsonSchema;
  const selector = { ...query.selector, _deleted: { $eq: false } } as MangoQuery<T>['selector'];
  const prepared = prepareQuery<T>(schema, normalizeMangoQuery<T>(schema, { ...query, selector }));
  return (await collection.storageInstance.query(prepared)).documents;
}
