import { describe, expect, it } from 'vitest';
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
