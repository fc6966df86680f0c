import { describe, expect, it } from 'vitest';
import { AuditBreak } from '../../protocol/http';
import { en } from '../../src-admin/i18n/en';
import { fr } from '../../src-admin/i18n/fr';
import { id } from '../../src-admin/i18n/id';

describe('audit chain breaks in the console', () => {
  it('every reason the server can give has its own text in English, French and Indonesian', () => {
    const texts = { en, fr, id };
    for (const [locale, messages] of Object.entries(texts)) {
      const breaks = messages.audit.breaks as Record<string, string>;
      for (const code of AuditBreak.options) expect(breaks[code], `${locale}: ${code}`).toMatch(/\S/);
      expect(Object.keys(breaks).sort()).toEqual([...AuditBreak.options].sort());
    }
    // Each language says it its own way, not English copied.
    for (const code of AuditBreak.options) {
      expect(fr.audit.breaks[code]).not.toBe(en.audit.breaks[code]);
      expect(id.audit.breaks[code]).not.toBe(en.audit.breaks[code]);
    }
  });
});
