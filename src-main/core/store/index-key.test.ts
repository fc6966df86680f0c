/**
 * The compact keys must order exactly as RxDB orders its index strings (JS `<`, by UTF-16 code
 * unit): SQLite compares them with memcmp, so any pair ordered differently is a document a range
 * query loses or returns out of order.
 */
import { fillWithDefaultSettings, getIndexableStringMonad, INDEX_MAX } from 'rxdb';
import type { RxDocumentData, RxJsonSchema } from 'rxdb';
import { describe, expect, it } from 'vitest';
import { prng } from '../../../protocol/prng';
import { encodeIndexString, fromSortableText, KeyScratch } from './index-key';
import { getIndexColumns } from './indexes';
import { saleSchema } from './schemas/index';

const SEED = Number(process.env.STORE_KEY_SEED ?? 20261205);
const random = prng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;

// Units on every boundary of the encoding (one, two and three bytes; the descriptor bytes' own
// values) and of RxDB's strings (space padding, U+0000 and U+FFFF bounds, surrogates, U+FFFD).
const UNITS = [
  '\x00',
  '\x01',
  '\x03',
  '\t',
  '\x1f',
  ' ',
  '!',
  '/',
  '0',
  '1',
  '5',
  '9',
  ':',
  'A',
  'a',
  'z',
  '~',
  '\x7f',
  'é',
  '\u00ff',
  '\u0100',
  '\u0e7e',
  '\u0e7f',
  '\u3fff',
  '\ud7ff',
  '\ud800',
  '\udfff',
  '\ue000',
  '\ufffd',
  '\ufffe',
  INDEX_MAX,
];

/** Strings with runs (the encoding's case analysis) as likely as single units. */
function randomString(): string {
  let out = '';
  const parts = int(8);
  for (let i = 0; i < parts; i++) out += pick(UNITS).repeat(random() < 0.5 ? 1 : 1 + int(int(2) ? 4 : 300));
  return out;
}

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
const jsOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('compact index keys', () => {
  it(`order random pairs of strings exactly as JS < does (seed ${SEED})`, () => {
    const strings = Array.from({ length: 600 }, randomString);
    let compared = 0;
    for (const a of strings) {
      const ka = encodeIndexString(a);
      for (let j = 0; j < 40; j++) {
        const b = pick(strings);
        expect([a, b, sign(Buffer.compare(ka, encodeIndexString(b)))]).toEqual([a, b, jsOrder(a, b)]);
        // A string against its own prefixes and one-unit changes: where runs split.
        const cut = int(a.length + 1);
        const c = a.slice(0, cut) + (random() < 0.5 ? pick(UNITS) : '') + a.slice(cut + int(2));
        expect([a, c, sign(Buffer.compare(ka, encodeIndexString(c)))]).toEqual([a, c, jsOrder(a, c)]);
        compared += 2;
      }
    }
    expect(compared).toBe(48000);
  });

  it('keep equal strings equal and different ones different', () => {
    for (let i = 0; i < 2000; i++) {
      const a = randomString();
      expect(encodeIndexString(a).equals(encodeIndexString(a.slice()))).toBe(true);
      const b = a + pick(UNITS);
      expect(encodeIndexString(a).equals(encodeIndexString(b))).toBe(false);
    }
  });

  it('order random pairs of sales and of documents with numbers, booleans and odd strings as RxDB does', () => {
    const items = fillWithDefaultSettings({
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
    const text = (max: number) => randomString().slice(0, random() < 0.05 ? max + 3 : max);
    const num = () =>
      pick([-1e9, -500, -1.5, 0, 0.01, 12.345, 99.99, 1e6, 1e13, int(100000), null, undefined]);
    const meta = () => ({
      _deleted: random() < 0.3,
      _meta: { lwt: 1.7e12 + int(1e6) / 100 },
      _rev: '1-a',
      _attachments: {},
    });
    const item = () => ({
      ...meta(),
      id: text(12),
      name: pick([text(8), null, undefined, 'a', 'a ', 'a\t', 'a\x00']),
      active: pick([true, false, null, undefined]),
      price: num(),
      weight: num(),
    });
    const sale = () => ({
      ...meta(),
      id: text(40),
      deviceId: pick(['OP-ABCDEFGHJKMNPQRS', 'OP-ABCDEFGHJKMNPQRT', 'OP-A', text(40)]),
      createdAt: pick([Date.UTC(2025, 0, 1) + int(1e10), 0, 1.5]),
      status: pick(['pending', 'accepted', 'refused', text(20)]),
      seq: int(1e6),
    });
    let compared = 0;
    for (const [schema, make] of [
      [items, item],
      [fillWithDefaultSettings(saleSchema) as RxJsonSchema<RxDocumentData<unknown>>, sale],
    ] as const) {
      for (const column of getIndexColumns(schema)) {
        const monad = getIndexableStringMonad(schema, [...column.fields]) as (d: unknown) => string;
        const docs = Array.from({ length: 300 }, make as () => unknown) as RxDocumentData<unknown>[];
        for (const a of docs) {
          for (let j = 0; j < 10; j++) {
            const b = pick(docs);
            const expected = jsOrder(monad(a), monad(b));
            expect([monad(a), monad(b), sign(Buffer.compare(column.key(a), column.key(b)))]).toEqual([
              monad(a),
              monad(b),
              expected,
            ]);
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(10000);
  });

  it('are shorter than RxDB strings for sales (96 -> 67, 72 -> 55, 97 -> 67, 57 -> 45 bytes)', () => {
    const schema = fillWithDefaultSettings(saleSchema) as RxJsonSchema<RxDocumentData<unknown>>;
    const sale = {
      _deleted: false,
      _meta: { lwt: 1764961234567.01 },
      _rev: '1-a',
      _attachments: {},
      id: '0193a3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b',
      deviceId: 'OP-ABCDEFGHJKMNPQRS',
      createdAt: 1764961234567,
      status: 'pending',
      seq: 4821,
    } as unknown as RxDocumentData<unknown>;
    for (const column of getIndexColumns(schema)) {
      const string = (getIndexableStringMonad(schema, [...column.fields]) as (d: unknown) => string)(sale);
      expect(column.key(sale).length).toBeLessThan(string.length * 0.8);
    }
  });

  it('are the same bytes through the shared scratch of bulk writes, earlier views kept whole when it grows', () => {
    const scratch = new KeyScratch();
    for (let row = 0; row < 200; row++) {
      scratch.reset();
      // Without a reset the row's keys pile up past the scratch's first 4 KiB, into new buffers.
      const strings = Array.from({ length: 1 + int(12) }, () => randomString());
      const views = strings.map((s) => scratch.encode(s));
      views.forEach((view, i) => expect(Buffer.compare(view, encodeIndexString(strings[i]!))).toBe(0));
    }
  });

  it("re-encode the first layout's sortable text from the very string RxDB made", () => {
    for (const s of ['plain', 'a😀b', `x${INDEX_MAX}${INDEX_MAX}`, '\ud7ff\ue000\ufffd']) {
      const sortable = [...s]
        .map((ch) => (ch.length === 2 ? ch.split('') : [ch]))
        .flat()
        .map((u) =>
          u.charCodeAt(0) >= 0xd800 ? String.fromCodePoint(0x10000 + u.charCodeAt(0) - 0xd800) : u,
        )
        .join('');
      expect(fromSortableText(sortable)).toBe(s);
    }
  });
});
