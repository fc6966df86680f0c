/**
 * The index bounds the store computes itself (indexes.ts, per index once) must equal RxDB's own
 * getStartIndexStringFrom{Lower,Upper}Bound for every kind of bound a query plan holds, and their
 * encoded form (the BLOB bound bound to SQL) RxDB's string encoded: a range on the column is only
 * RxDB's range if the strings are the same.
 */
import {
  fillWithDefaultSettings,
  getStartIndexStringFromLowerBound,
  getStartIndexStringFromUpperBound,
  INDEX_MAX,
  INDEX_MIN,
} from 'rxdb';
import type { RxDocumentData, RxJsonSchema } from 'rxdb';
import { describe, expect, it } from 'vitest';
import { encodeIndexString } from './index-key';
import { getIndexColumns } from './indexes';
import { saleSchema } from './schemas/index';

type Bound = string | number | boolean | null | undefined;

interface Item {
  id: string;
  name: string;
  active: boolean;
  price: number;
  weight: number;
}

const itemSchema = fillWithDefaultSettings<Item>({
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 12 },
    name: { type: 'string', maxLength: 8 },
    active: { type: 'boolean' },
    price: { type: 'integer', minimum: -500, maximum: 100000, multipleOf: 1 },
    weight: { type: 'number', minimum: 0, maximum: 99.99, multipleOf: 0.01 },
  },
  required: ['id', 'name', 'active', 'price', 'weight'],
  indexes: [
    ['active', 'name'],
    ['price', 'weight'],
    ['weight', 'active', 'id'],
  ],
}) as RxJsonSchema<RxDocumentData<unknown>>;

const STRINGS = [
  INDEX_MIN,
  INDEX_MAX,
  null,
  undefined,
  '',
  'a',
  'abc def',
  'ü',
  '😀x',
  `a${INDEX_MAX}`,
  'longer than eight',
];
const NUMBERS = [INDEX_MIN, INDEX_MAX, null, undefined, -1e9, -500, -1.5, 0, 0.01, 12.345, 99.99, 1e6, 1e13];
const BOOLEANS = [INDEX_MIN, INDEX_MAX, null, undefined, true, false];

function valuesFor(schema: RxJsonSchema<RxDocumentData<unknown>>, field: string): Bound[] {
  const path = field.split('.');
  let part = schema as unknown as { properties?: Record<string, unknown>; type?: string };
  for (const p of path) part = part.properties![p] as typeof part;
  if (part.type === 'string') return STRINGS;
  if (part.type === 'boolean') return BOOLEANS;
  return NUMBERS;
}

/** Every combination of the first two fields' values, the rest cycling (a few thousand per index). */
function boundsOf(schema: RxJsonSchema<RxDocumentData<unknown>>, fields: readonly string[]): Bound[][] {
  const lists = fields.map((f) => valuesFor(schema, f));
  const out: Bound[][] = [];
  const [a = [undefined], b = [undefined]] = lists;
  for (const x of a) {
    for (const y of b) {
      for (let k = 0; k < 5; k++) {
        out.push([x, y, ...lists.slice(2).map((l, i) => l[(k * 3 + i) % l.length])].slice(0, fields.length));
      }
    }
  }
  return out;
}

describe('index bounds computed once per index', () => {
  for (const [name, schema] of [
    ['sales', fillWithDefaultSettings(saleSchema) as RxJsonSchema<RxDocumentData<unknown>>],
    ['items (boolean, negative and decimal numbers)', itemSchema],
  ] as const) {
    it(`equal RxDB's own bound strings for every index of ${name}`, () => {
      let compared = 0;
      for (const column of getIndexColumns(schema)) {
        for (const keys of boundsOf(schema, column.fields)) {
          const lower = getStartIndexStringFromLowerBound(schema, [...column.fields], keys);
          const upper = getStartIndexStringFromUpperBound(schema, [...column.fields], keys);
          expect(column.lowerBoundString(keys)).toBe(lower);
          expect(column.upperBoundString(keys)).toBe(upper);
          expect(column.lowerBound(keys).equals(encodeIndexString(lower))).toBe(true);
          expect(column.upperBound(keys).equals(encodeIndexString(upper))).toBe(true);
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(500);
    });
  }
});
