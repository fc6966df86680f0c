import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { Locale } from '../../protocol/api';
import { en } from './en';
import { fr } from './fr';

export const resources = { en: { translation: en }, fr: { translation: fr } } as const;

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
