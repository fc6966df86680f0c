import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64urlBytes, decodeBase64url, isCanonicalBase64url, sameBase64url } from './base64url';

/** The same bytes with the unused low bits of the last character set: Node decodes both alike. */
function respell(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(text.at(-1)!);
  return `${text.slice(0, -1)}${alphabet[last + 1]}`;
}

describe('canonical base64url', () => {
  it('accepts what Node encodes, for every length remainder', () => {
    for (const n of [0, 1, 2, 3, 12, 16, 32, 64]) {
      const text = randomBytes(n).toString('base64url');
      expect(isCanonicalBase64url(text), text).toBe(true);
      expect(decodeBase64url(text)?.length).toBe(n);
    }
  });

  it('refuses padding, the standard alphabet, stray characters and non-zero trailing bits', () => {
    const signature = randomBytes(64).toString('base64url');
    const respelled = respell(signature);
    // Node's lenient decoder sees the same bytes: this is the attack.
    expect(Buffer.from(respelled, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
    for (const bad of [
      respelled,
      `${signature}==`,
      `${signature.slice(0, -1)}+`,
      `${signature.slice(0, -1)}/`,
      ` ${signature}`,
      `${signature.slice(0, 40)}\u0000${signature.slice(41)}`,
      'A', // one character holds no byte
    ]) {
      expect(isCanonicalBase64url(bad), bad).toBe(false);
      expect(decodeBase64url(bad)).toBeUndefined();
    }
    expect(base64urlBytes(64).safeParse(respelled).success).toBe(false);
    expect(base64urlBytes(64).safeParse(signature).success).toBe(true);
    expect(sameBase64url(signature, respelled)).toBe(false);
    expect(sameBase64url(signature, signature)).toBe(true);
  });
});
