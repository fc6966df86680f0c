import { useTranslation } from 'react-i18next';
import { parseMajor, toMajorText, writtenExample } from './money-input';

/**
 * The money fields' parser for the chosen language (#18): amounts read and prefilled as the locale
 * writes them, and the refusal that says how to write one.
 */
export function useMoneyInput() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language;
  return {
    parseMajor: (text: string, currency: string) => parseMajor(text, currency, locale),
    toMajorText: (minor: number, currency: string) => toMajorText(minor, currency, locale),
    amountInvalid: (exampleMinor: number, currency: string) =>
      t('pos.amountInvalid', {
        example: toMajorText(exampleMinor, currency, locale),
        written: writtenExample(currency, locale),
      }),
  };
}
