import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { Locale } from '../../protocol/api';
import { en } from './en';
import { fr } from './fr';
import { id } from './id';

export const resources = {
  en: { translation: en },
  fr: { translation: fr },
  id: { translation: id },
} as const satisfies Record<Locale, unknown>;

export async function initI18n(locale: Locale): Promise<void> {
  await i18next.use(initReactI18next).init({
    resources,
    lng: locale,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
  });
}

export function setLocale(locale: Locale): void {
  if (i18next.language !== locale) void i18next.changeLanguage(locale);
  document.documentElement.lang = locale;
}

/** The first of the browser's languages we speak (before the settings' locale arrives), else English. */
export function preferredLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    const found = Locale.safeParse(tag.toLowerCase().split('-')[0]);
    if (found.success) return found.data;
  }
  return 'en';
}
