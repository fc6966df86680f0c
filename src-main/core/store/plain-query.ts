import { normalizeMangoQuery, prepareQuery } from 'rxdb';
import type { MangoQuery, PreparedQuery, RxCollection, RxDocumentData } from 'rxdb';
import { findSqliteInstance } from './search-collection';

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
  return (await collection.storageInstance.query(prepared(collection, query))).documents;
}

function prepared<T>(collection: RxCollection<T>, query: MangoQuery<T>): PreparedQuery<T> {
  const schema = collection.schema.jsonSchema;
  const selector = { ...query.selector, _deleted: { $eq: false } } as MangoQuery<T>['selector'];
  return prepareQuery<T>(schema, normalizeMangoQuery<T>(schema, { ...query, selector }));
}

export interface FieldsRow<T> {
  /** The document, when the storage held it parsed (stable while unchanged: a memo key). */
  doc: RxDocumentData<T> | undefined;
  /** The fields asked for, in order; absent and null both undefined. */
  values: unknown[];
}

/**
 * Top-level scalar fields of a query's live documents, in the query's order. On this storage,
 * documents not in its cache are not parsed: SQLite extracts the fields (a shift's 10,000 sales read
 * for their shift id and signed record: the JSON of each sale, with its record escaped inside it,
 * was parsed twice). On any other storage, from the plain documents.
 */
export async function queryFields<T>(
  collection: RxCollection<T>,
  query: MangoQuery<T>,
  fields: readonly (keyof T & string)[],
): Promise<FieldsRow<T>[]> {
  const own = findSqliteInstance(collection);
  if (own) return own.queryFields(prepared(collection, query), fields);
  return (await queryPlain(collection, query)).map((doc) => ({
    doc,
    values: fields.map((f) => (doc as Record<string, unknown>)[f] ?? undefined),
  }));
}
