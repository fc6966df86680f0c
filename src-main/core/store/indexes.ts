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
  /** RxDB's getStartIndexStringFromLowerBound / ...UpperBound for this index, as sortable text. */
  readonly lowerBound: (keys: readonly unknown[]) => string;
  readonly upperBound: (keys: readonly unknown[]) => string;
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
      ...boundBuilders(schema, fields),
    };
  });
}

type Lengths = ReturnType<typeof getStringLengthOfIndexNumber>;

/**
 * RxDB's getStartIndexStringFrom{Lower,Upper}Bound, with each field's schema part and number
 * lengths looked up once per index instead of on every call: RxDB's versions walk the schema by
 * path and re-derive the lengths (toString, split) per field per call, and the whole string then went through
 * sortableText's remapping loop whenever an open end padded it with U+FFFF (nearly every range).
 * Here each part is made sortable on its own and the padding of a missing bound is made once. Same cases in the same order as rxdb/custom-index;
 * bounds.test.ts compares both over every kind of bound.
 */
function boundBuilders<T>(schema: RxJsonSchema<RxDocumentData<T>>, fields: readonly string[]) {
  const parts = fields.map((field) => {
    const part = getSchemaByObjectPath(schema, field) as JsonSchema;
    const type = part.type;
    if (type === 'string') {
      if (!part.maxLength) throw new Error(`index field ${field} has no maxLength`);
      const n = part.maxLength;
      // Padding of a bound with no value, already as sortable text (U+FFFF is remapped).
      return {
        kind: 'string' as const,
        maxLength: n,
        min: '\x00'.repeat(n),
        max: sortableText(INDEX_MAX.repeat(n)),
      };
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
        else str += sortableText(bound.padEnd(part.maxLength, ' '));
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
        if (typeof bound === 'string' && bound !== INDEX_MAX)
          str += sortableText(bound.padEnd(part.maxLength, ' '));
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
