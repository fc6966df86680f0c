import { getIndexableStringMonad, getPrimaryFieldOfPrimaryKey } from 'rxdb';
import type { RxDocumentData, RxJsonSchema } from 'rxdb';

/**
 * Every RxDB index becomes one TEXT column holding RxDB's indexable string for that index, with a
 * plain SQLite index on it. A range on the column is exactly a range in RxDB's index order, so
 * getQueryPlan()'s bounds translate into `col >= ? AND col <= ?` served by the B-tree.
 */
export interface IndexColumn {
  /** RxDB index, e.g. ['_deleted', 'deviceId', 'createdAt', 'id']. */
  readonly fields: readonly string[];
  /** Column and SQLite index name suffix: i0, i1, ... in schema order. */
  readonly column: string;
  readonly indexableString: (doc: RxDocumentData<unknown>) => string;
}

export function indexKey(fields: readonly string[]): string {
  return fields.join(',');
}

export function getIndexColumns<T>(schema: RxJsonSchema<RxDocumentData<T>>): IndexColumn[] {
  const indexes = (schema.indexes ?? []).map((index) => (Array.isArray(index) ? [...index] : [index]));
  return indexes.map((fields, position) => {
    const monad = getIndexableStringMonad(schema, fields) as (doc: RxDocumentData<unknown>) => string;
    return {
      fields,
      column: `i${position}`,
      indexableString: (doc) => sortableText(monad(doc)),
    };
  });
}

/** The index RxDB itself uses for checkpoints: ['_meta.lwt', primaryKey]. */
export function changesIndexFields<T>(schema: RxJsonSchema<RxDocumentData<T>>): string[] {
  return ['_meta.lwt', getPrimaryFieldOfPrimaryKey(schema.primaryKey) as string];
}

const NEEDS_REMAP = /[\uD800-\uFFFF]/;

/**
 * RxDB orders index strings by UTF-16 code unit (JS `<`); SQLite's BINARY collation orders UTF-8
 * bytes, i.e. by code point. The two differ only for units >= 0xD800: an emoji (surrogates) sorts
 * below U+FFFF in JS but above it in UTF-8, and RxDB pads upper bounds with U+FFFF. Mapping each
 * unit in 0xD800..0xFFFF to U+10000..U+127FF keeps the order and makes the orders agree. Plain
 * text (everything below 0xD800) is returned unchanged, which is nearly always.
 */
export function sortableText(value: string): string {
  if (!NEEDS_REMAP.test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    out += unit < 0xd800 ? value[i] : String.fromCodePoint(0x10000 + (unit - 0xd800));
  }
  return out;
}
