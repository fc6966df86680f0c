import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './en';
import { fr } from './fr';
import { id } from './id';

export const LOCALES = ['en', 'fr', 'id'] as const;
export type Locale = (typeof LOCALES)[number];
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', fr: 'Français', id: 'Bahasa Indonesia' };

const STORED = 'outpost-admin-locale';

/** The saved choice, else the first of the browser's languages we speak, else English. */
export function initialLocale(): Locale {
  const saved = localStorage.getItem(STORED);
  if ((LOCALES as readonly string[]).includes(saved ?? '')) return saved as Locale;
  for (const tag of navigator.languages) {
    const base = tag.toLowerCase().split('-')[0];
    if ((LOCALES as readonly string[]).includes(base ?? '')) return base as Locale;
  }
  return 'en';
}

export async function initI18n(): Promise<void> {
  const lng = initialLocale();
  document.documentElement.lang = lng;
  await i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, fr: { translation: fr }, id: { translation: id } },
    lng,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
  });
}

export function setLocale(locale: Locale): void {
  localStorage.setItem(STORED, locale);
  document.documentElement.lang = locale;
  void i18next.changeLanguage(locale);
}
