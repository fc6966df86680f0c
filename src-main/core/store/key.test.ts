/** The keychain form of a database key: what is written, and what is refused on reading. */
import { describe, expect, it } from 'vitest';
import { decodeDatabaseKey, encodeDatabaseKey, generateDatabaseKey, sameKey } from './key';

describe('database key entries', () => {
  it('read back what is written, cipher included', () => {
    for (const cipher of ['aegis', 'chacha20'] as const) {
      const key = generateDatabaseKey(cipher);
      const decoded = decodeDatabaseKey(encodeDatabaseKey(key), 'db-key:x');
      expect(sameKey(decoded, key)).toBe(true);
      expect(decoded.cipher).toBe(cipher);
    }
  });

  it('read 32 bare bytes, the form written before the cipher was kept, as chacha20', () => {
    const bytes = generateDatabaseKey().bytes;
    expect(decodeDatabaseKey(bytes, 'db-key:x')).toEqual({ cipher: 'chacha20', bytes });
  });

  it('refuse anything else with STORE_KEY_CORRUPT, naming the account', () => {
    const hex = 'ab'.repeat(32);
    const bad = [
      Buffer.alloc(31),
      Buffer.alloc(33),
      Buffer.from('{"cipher":"aegis"'),
      Buffer.from('null'),
      Buffer.from('[]'),
      Buffer.from(`{"cipher":"rc4","key":"${hex}"}`),
      Buffer.from(`{"cipher":"aegis","key":"${hex.toUpperCase()}"}`),
      Buffer.from(`{"cipher":"aegis","key":"${hex.slice(2)}"}`),
      Buffer.from(`{"cipher":"aegis","key":"${hex}","kdf":"none"}`),
      Buffer.from(`{"key":"${hex}"}`),
    ];
    for (const entry of bad) {
      expect(() => decodeDatabaseKey(entry, 'db-key:till')).toThrow(
        expect.objectContaining({
          code: 'STORE_KEY_CORRUPT',
          message: expect.stringContaining('db-key:till'),
        }),
      );
    }
  });
});
