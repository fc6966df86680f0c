import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { ApiError, ERROR_CODES, unlisted } from '../protocol/api';
import { en } from '../src-renderer/i18n/en';
import { codeText, errorText } from '../src-renderer/i18n/error-text';
import { fr } from '../src-renderer/i18n/fr';
import { id } from '../src-renderer/i18n/id';

/**
 * The compile-time check (en.errorCodes satisfies Record<ErrorCode, string>, fr: Messages) makes
 * a text exist for every code; these make it a real one in each language and prove the lookup.
 */
describe('error texts (#17)', () => {
  it('every listed code has its own English, French and Indonesian text', () => {
    const english = en.errorCodes as Record<string, string>;
    const french = fr.errorCodes as Record<string, string>;
    const indonesian = id.errorCodes as Record<string, string>;
    for (const code of ERROR_CODES) {
      expect(english[code]?.trim(), code).toBeTruthy();
      expect(french[code]?.trim(), code).toBeTruthy();
      expect(french[code], `${code} is not translated`).not.toBe(english[code]);
      expect(indonesian[code]?.trim(), code).toBeTruthy();
      expect(indonesian[code], `${code} is not translated into Indonesian`).not.toBe(english[code]);
    }
    expect(Object.keys(english).sort()).toEqual([...ERROR_CODES].sort());
  });

  it('says a listed code in the user’s language and keeps the message of an unlisted one', async () => {
    const i18n = i18next.createInstance();
    await i18n.init({ resources: { fr: { translation: fr } }, lng: 'fr' });
    const t = i18n.t.bind(i18n);
    expect(errorText(t, new ApiError('MANIFEST_MISMATCH', 'core text'))).toBe(
      fr.errorCodes.MANIFEST_MISMATCH,
    );
    expect(errorText(t, new ApiError(unlisted('FROM_A_NEWER_SERVER'), 'server text'))).toBe('server text');
    expect(errorText(t, new Error('plain'))).toBe('plain');
    expect(codeText(t, null, 'fallback')).toBe('fallback');
  });

  it('says a listed code in Indonesian (#18)', async () => {
    const i18n = i18next.createInstance();
    await i18n.init({ resources: { id: { translation: id } }, lng: 'id' });
    expect(errorText(i18n.t.bind(i18n), new ApiError('TENDER_SHORT', 'core text'))).toBe(
      'Pembayaran belum menutup total.',
    );
  });
});
