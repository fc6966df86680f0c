import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { ApiError } from '../../../protocol/api';
import { formatMoney } from '../../../protocol/money';
import { errorText } from '../../i18n/error-text';

export type Money = (minor: number | bigint, currency: string) => string;

/** Amounts in the app's language (the settings' locale, which drives i18n). */
export function useMoney(): Money {
  const { i18n } = useTranslation();
  const locale = i18n.language;
  return (minor, currency) => {
    try {
      return formatMoney(Number(minor), currency, locale);
    } catch {
      return `${String(minor)} ${currency}`;
    }
  };
}

export function formatTime(iso: string | null, locale: string): string | null {
  if (!iso) return null;
  return new Date(iso).toLocaleString(locale, { dateStyle: 'short', timeStyle: 'short' });
}

/** ApiError details the core attaches to limit refusals (src-main/core/pos/limits.ts). */
interface LimitDetails {
  limitMinor?: number;
  totalMinor?: number;
  unsyncedMinor?: number;
  thresholdMinor?: number;
  limit?: number;
  salesToday?: number;
  maxAgeHours?: number;
  overridable?: boolean;
  online?: boolean;
  /** LIMIT_AMOUNT: why the sale was not authorised online (src-main/core/pos/limits.ts). */
  authorisation?: 'offline' | 'refused' | 'unverified';
}

export function limitDetails(error: unknown): LimitDetails {
  const details = (error as { details?: unknown } | null)?.details;
  return details && typeof details === 'object' ? (details as LimitDetails) : {};
}

export function isOverridable(error: unknown): boolean {
  return limitDetails(error).overridable === true;
}

/** A POS refusal in words, with the figures behind it when the core gave them. */
export function posErrorText(t: TFunction, error: unknown, money: Money, currency: string): string {
  const d = limitDetails(error);
  const apiError = toApiError(error);
  // Above the per-sale maximum, what happened to the online authorisation the till asked for.
  const why = d.authorisation;
  const base =
    'code' in apiError &&
    apiError.code === 'LIMIT_AMOUNT' &&
    why &&
    ['offline', 'refused', 'unverified'].includes(why)
      ? `${errorText(t, apiError)} ${t(`pos.limitAmountWhy.${why}`)}`
      : errorText(t, apiError);
  const facts: string[] = [];
  if (typeof d.totalMinor === 'number')
    facts.push(t('pos.factTotal', { amount: money(d.totalMinor, currency) }));
  if (typeof d.limitMinor === 'number')
    facts.push(t('pos.factLimit', { amount: money(d.limitMinor, currency) }));
  if (typeof d.thresholdMinor === 'number')
    facts.push(t('pos.factThreshold', { amount: money(d.thresholdMinor, currency) }));
  if (typeof d.unsyncedMinor === 'number')
    facts.push(t('pos.factUnsynced', { amount: money(d.unsyncedMinor, currency) }));
  if (typeof d.limit === 'number') facts.push(t('pos.factDaily', { count: d.limit }));
  if (typeof d.maxAgeHours === 'number') facts.push(t('pos.factAge', { hours: d.maxAgeHours }));
  return facts.length > 0 ? `${base} (${facts.join(' · ')})` : base;
}

export function toApiError(error: unknown): ApiError | Error {
  if (error instanceof Error) return error;
  return new Error(String(error));
}
