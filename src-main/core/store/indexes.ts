import {
  getIndexableStringMonad,
  getNumberIndexString,
  getPrimaryFieldOfPrimaryKey,
  getSchemaByObjectPath,
  getStringLengthOfIndexNumber,
  INDEX_MAX,
  INDEX_MIN,
} from 'rxdb';
import type { JsonSchema, RxDocumentData, RxJsonSchema } from 'rxdb';
import { encodeIndexString } from './index-key';

/**
 * Every RxDB index becomes one BLOB column holding RxDB's indexable string for that index in its
 * compact order-preserving form (index-key.ts), with a plain SQLite index on it. A range on the
 * column is exactly a range in RxDB's index order, so getQueryPlan()'s bounds translate into
 * `col >= ? AND col <= ?` served by the B-tree.
 */
export interface IndexColumn {
  /** RxDB index, e.g. ['_deleted', 'deviceId', 'createdAt', 'id']. */
  readonly fields: readonly string[];
  /** Column and SQLite index name suffix: i0, i1, ... in schema order. */
  readonly column: string;
  /** N of the column iN. */
  readonly position: number;
  /** The document's key in this column: its RxDB indexable string, encoded. */
  readonly key: (doc: RxDocumentData<unknown>) => Buffer;
  /** RxDB's indexable string of the document for this index (what `key` encodes). */
  readonly indexString: (doc: RxDocumentData<unknown>) => string;
  /** RxDB's getStartIndexStringFromLowerBound / ...UpperBound for this index. */
  readonly lowerBoundString: (keys: readonly unknown[]) => string;
  readonly upperBoundString: (keys: readonly unknown[]) => string;
  /** The same bounds, encoded like the keys. */
  readonly lowerBound: (keys: readonly unknown[]) => Buffer;
  readonly upperBound: (keys: readonly unknown[]) => Buffer;
}

export function indexKey(fields: readonly string[]): string {
  return fields.join(',');
}

export function getIndexColumns<T>(schema: RxJsonSchema<RxDocumentData<T>>): IndexColumn[] {
  const indexes = (schema.indexes ?? []).map((index) => (Array.isArray(index) ? [...index] : [index]));
  return indexes.map((fields, position) => {
    const monad = getIndexableStringMonad(schema, fields) as (doc: RxDocumentData<unknown>) => string;
    const { lowerBound, upperBound } = boundBuilders(schema, fields);
    return {
      fields,
      column: `i${position}`,
      position,
      key: (doc) => encodeIndexString(monad(doc)),
      indexString: monad,
      lowerBoundString: lowerBound,
      upperBoundString: upperBound,
      lowerBound: (keys) => encodeIndexString(lowerBound(keys)),
      upperBound: (keys) => encodeIndexString(upperBound(keys)),
    };
  });
}

type Lengths = ReturnType<typeof getStringLengthOfIndexNumber>;

/**
 * RxDB's getStartIndexStringFrom{Lower,Upper}Bound, with each field's schema part and number
 * lengths looked up once per index instead of on every call: RxDB's versions walk the schema by
 * path and re-derive the lengths (toString, split) per field per call. Here the padding of a
 * missing bound is made once. Same cases in the same order as rxdb/custom-index; bounds.test.ts
 * compares both over every kind of bound.
 */
function boundBuilders<T>(schema: RxJsonSchema<RxDocumentData<T>>, fields: readonly string[]) {
  const parts = fields.map((field) => {
    const part = getSchemaByObjectPath(schema, field) as JsonSchema;
    const type = part.type;
    if (type === 'string') {
      if (!part.maxLength) throw new Error(`index field ${field} has no maxLength`);
      const n = part.maxLength;
      // Padding of a bound with no value.
      return { kind: 'string' as const, maxLength: n, min: '\x00'.repeat(n), max: INDEX_MAX.repeat(n) };
    }
    if (type === 'boolean') return { kind: 'boolean' as const };
    if (type === 'number' || type === 'integer') {
      const lengths = getStringLengthOfIndexNumber(part);
      return { kind: 'number' as const, lengths, width: lengths.nonDecimals + lengths.decimals };
    }
    throw new Error(`index field ${field} has type ${String(type)}, not string, boolean or number`);
  });
  const num = (lengths: Lengths, bound: unknown) => getNumberIndexString(lengths, bound as number);
  const lowerBound = (keys: readonly unknown[]) => {
    let str = '';
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const bound = keys[i];
      if (part.kind === 'string') {
        if (typeof bound !== 'string') str += part.min;
        else if (bound === INDEX_MAX) str += part.max;
        else str += bound.padEnd(part.maxLength, ' ');
      } else if (part.kind === 'boolean') {
        str += bound === null || bound === INDEX_MIN ? '0' : bound === INDEX_MAX ? '1' : bound ? '1' : '0';
      } else if (bound === null || bound === INDEX_MIN) str += '0'.repeat(part.width);
      else if (bound === INDEX_MAX) str += num(part.lengths, part.lengths.maximum);
      else str += num(part.lengths, bound);
    }
    return str;
  };
  const upperBound = (keys: readonly unknown[]) => {
    let str = '';
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const bound = keys[i];
      if (part.kind === 'string') {
        if (typeof bound === 'string' && bound !== INDEX_MAX) str += bound.padEnd(part.maxLength, ' ');
        else if (bound === INDEX_MIN) str += part.min;
        else str += part.max;
      } else if (part.kind === 'boolean') {
        str += bound === null || bound === INDEX_MAX ? '1' : bound === INDEX_MIN ? '0' : bound ? '1' : '0';
      } else if (bound === null || bound === INDEX_MAX) str += '9'.repeat(part.width);
      else if (bound === INDEX_MIN) str += '0'.repeat(part.width);
      else str += num(part.lengths, bound);
    }
    return str;
  };
  return { lowerBound, upperBound };
}

/** The index RxDB itself uses for checkpoints: ['_meta.lwt', primaryKey]. */
export function changesIndexFields<T>(schema: RxJsonSchema<RxDocumentData<T>>): string[] {
  return ['_meta.lwt', getPrimaryFieldOfPrimaryKey(schema.primaryKey) as string];
}
