import { describe, expect, it } from 'vitest';
import { controlCharacterPath, text } from './text';

describe('control characters', () => {
  it('are refused by text() and found anywhere in a JSON value, keys included', () => {
    for (const bad of [
      'a\u0000b',
      '\u0007',
      'line\nbreak',
      'tab\t',
      'del\u007f',
      'nel\u0085',
      'c1\u009f',
      'ls\u2028',
      'ps\u2029',
    ]) {
      expect(text(64).safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(text(64).safeParse('Riz 1kg — ça va 😀').success).toBe(true);
    expect(controlCharacterPath({ a: [{ b: 'ok' }, { c: 'x\u0000' }] })).toBe('a.1.c');
    expect(controlCharacterPath({ ['k\u0001']: 1 })).toBe('k\u0001');
    expect(controlCharacterPath({ a: ['ok', 1, null, true] })).toBeUndefined();
    // PEM keys hold line breaks: the whole-request scan lets them through, text() does not.
    expect(controlCharacterPath({ pem: '-----BEGIN\r\nA\n' })).toBeUndefined();
    expect(controlCharacterPath({ pem: 'a\tb' })).toBe('pem');
    expect(controlCharacterPath({ name: 'a\u2028b' })).toBe('name');
    expect(controlCharacterPath({ name: 'a\u0085b' })).toBe('name');
  });

  it('scans a deeply nested value without overflowing the stack', () => {
    let deep: unknown = 'end\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(controlCharacterPath(deep)?.split('.').length).toBe(200_000);
  });
});
