import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { prng } from '../prng';
import { canonicalJson } from './canonical';

describe('canonicalJson refusals', () => {
  it('names where a value has no exact form', () => {
    expect(() => canonicalJson({ a: [1, { b: 2 ** 60 }] })).toThrow(
      '$.a[1].b: 1152921504606847000 is beyond 2^53',
    );
    expect(() => canonicalJson({ a: { b: () => 1 } })).toThrow('$.a.b: a function has no JSON form');
    expect(() => canonicalJson([0, [Symbol('s')]])).toThrow('$[1][0]: a symbol has no JSON form');
    expect(() => canonicalJson({ a: { c: undefined } })).toThrow('$.a.c: undefined has no JSON form');
    expect(() => canonicalJson(undefined)).toThrow(/no JSON form/);
  });

  it('refuses a cycle with a clear error, and a refusal leaves nothing behind for the next call', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => canonicalJson(cycle)).toThrow(/deeper than 256/);
    expect(canonicalJson({ z: 1, a: [null, 'x'] })).toBe('{"a":[null,"x"],"z":1}');
  });
});

/**
 * canonicalJson writes already-ordered plain values with JSON.stringify and everything else with
 * `canonicalize`: both routes must give canonicalize's bytes. Keys are drawn to hit what orders
 * differently: integer-like keys (which V8 enumerates first), keys beyond the BMP (UTF-16 order is
 * not code point order), prefixes, the empty key.
 */
describe('canonicalJson against canonicalize', () => {
  const KEYS = [
    'a',
    'b',
    'aa',
    'B',
    '',
    '1',
    '10',
    '9',
    '0',
    '\u20ac',
    '\ufb01',
    '\ud83d\ude00',
    'é',
    'toString',
    'z z',
  ];
  const STRINGS = [
    '',
    'x',
    '"q"\\',
    '\u0000\u001f',
    '\u2028\u2029',
    '\ud800',
    'caf\u00e9 \ud83d\ude00',
    '4111111111111111',
  ];
  const NUMBERS = [
    0,
    -0,
    1,
    -1,
    0.1,
    1e-7,
    4.5,
    1.5e-300,
    333333333.3333333,
    2 ** 53 - 1,
    -(2 ** 53 - 1),
    5e-324,
    123.456e-5,
  ];

  function value(next: () => number, depth: number): unknown {
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const kind = depth > 3 ? Math.floor(next() * 4) : Math.floor(next() * 6);
    switch (kind) {
      case 0:
        return pick(STRINGS);
      case 1:
        return pick(NUMBERS);
      case 2:
        return pick([true, false, null]);
      case 3:
        return Math.floor(next() * 1e6) * (next() < 0.5 ? 1 : -1);
      case 4:
        return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
      default: {
        const record: Record<string, unknown> = {};
        for (let i = Math.floor(next() * 5); i > 0; i--) record[pick(KEYS)] = value(next, depth + 1);
        return record;
      }
    }
  }

  it('gives the same bytes for 3000 generated values, as built and as read back from canonical JSON', () => {
    const next = prng(8785);
    let orderedReads = 0;
    for (let i = 0; i < 3000; i++) {
      const built = value(next, 0);
      let expected: string | undefined;
      try {
        expected = canonicalize(built);
      } catch (refusal) {
        // A lone surrogate: refused by both routes.
        expect(() => canonicalJson(built), `value ${i}`).toThrow((refusal as Error).message);
        continue;
      }
      expect(canonicalJson(built), `value ${i}`).toBe(expected);
      // Read back, every object's keys are in canonical order unless V8 moved integer-like keys.
      const read: unknown = JSON.parse(expected!);
      expect(canonicalJson(read), `value ${i} read back`).toBe(expected);
      if (JSON.stringify(read) === expected) orderedReads++;
    }
    // Most read-back values take the JSON.stringify route; the rest prove the fallback.
    expect(orderedReads).toBeGreaterThan(1000);
    expect(orderedReads).toBeLessThan(3000);
    expect(() => canonicalJson({ a: '\ud800' })).toThrow('Lone surrogate');
    expect(() => canonicalJson({ '\udc00': 1 })).toThrow('Lone surrogate');
  });

  it('leaves to canonicalize what JSON.stringify would write differently', () => {
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
    expect(canonicalJson(sparse)).toBe(canonicalize(sparse));
    const at = new Date(0);
    expect(canonicalJson({ at })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
    expect(canonicalJson({ b: new Number(1), a: 2 })).toBe(canonicalize({ b: new Number(1), a: 2 }));
    expect(canonicalJson({ a: 1, 10: 2, 9: 3 })).toBe('{"10":2,"9":3,"a":1}');
  });
});
