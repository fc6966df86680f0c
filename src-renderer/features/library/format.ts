import type { TFunction } from 'i18next';
import type { LibraryItem } from '../../../protocol/api';
import { codeText } from '../../i18n/error-text';

export type MaterialKind = 'pdf' | 'epub' | 'image' | 'text' | 'other';

/** Which viewer can show a content type; parameters such as charset are ignored. */
export function kindOf(contentType: string): MaterialKind {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/pdf') return 'pdf';
  if (type === 'application/epub+zip') return 'epub';
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('text/')) return 'text';
  return 'other';
}

export function typeText(t: TFunction, contentType: string): string {
  const kind = kindOf(contentType);
  return kind === 'other' ? t('library.type_other', { type: contentType }) : t(`library.type_${kind}`);
}

/** Sizes in the reader's language, in decimal units as file managers show them. */
export function formatBytes(bytes: number, locale: string): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: units[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}

export function formatDate(iso: string, locale: string): string {
  return new Date(iso).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * The licence in words. Hours left are counted from this machine's clock: the core has already
 * judged the state by its secure clock, so a wound-back clock can only misstate the hours, never
 * reopen an item.
 */
export function licenceText(t: TFunction, item: LibraryItem, locale: string, now: number): string {
  const { licence } = item;
  switch (licence.state) {
    case 'valid': {
      const parts = [
        licence.expiresAt
          ? t('library.licence_valid', { date: formatDate(licence.expiresAt, locale) })
          : null,
        licence.offlineUntil ? offlineLeft(t, licence.offlineUntil, now) : null,
      ].filter((part): part is string => part !== null);
      return parts.join(' · ');
    }
    case 'expired':
      return licence.expiresAt
        ? t('library.licence_expiredOn', { date: formatDate(licence.expiresAt, locale) })
        : t('library.licence_expired');
    case 'none':
    case 'renewing':
    case 'offline_expired':
    case 'revoked':
    case 'returned':
      return t(`library.licence_${licence.state}`);
  }
}

function offlineLeft(t: TFunction, until: string, now: number): string {
  const hours = Math.floor((Date.parse(until) - now) / 3_600_000);
  return hours >= 1 ? t('library.offlineLeft', { count: hours }) : t('library.offlineLeftUnder');
}

export type LicenceStatus = 'ready' | 'active' | 'expired' | 'revoked' | 'returned';

/**
 * The licence's status in one word (#22): ready (on this laptop and readable), active (held, not yet
 * downloaded), expired (by date or by the offline grace), revoked, returned; null before any licence.
 */
export function licenceStatus(item: LibraryItem): LicenceStatus | null {
  switch (item.licence.state) {
    case 'none':
      return null;
    case 'valid':
    case 'renewing':
      return item.download.state === 'ready' ? 'ready' : 'active';
    case 'expired':
    case 'offline_expired':
      return 'expired';
    case 'revoked':
    case 'returned':
      return item.licence.state;
  }
}

/** Days to the licence's own expiry, and hours of offline reading left, for a readable licence. */
export function licenceTimeLeft(
  t: TFunction,
  item: LibraryItem,
  now: number,
): { days: string | null; grace: string | null } {
  const { expiresAt, offlineUntil, state } = item.licence;
  if (state !== 'valid' && state !== 'renewing' && state !== 'offline_expired')
    return { days: null, grace: null };
  const days = expiresAt ? Math.floor((Date.parse(expiresAt) - now) / 86_400_000) : null;
  const hours = offlineUntil ? Math.floor((Date.parse(offlineUntil) - now) / 3_600_000) : null;
  return {
    days:
      days === null ? null : days >= 1 ? t('reader.daysLeft', { count: days }) : t('reader.daysLeftUnder'),
    grace:
      hours === null
        ? null
        : hours >= 1 && state !== 'offline_expired'
          ? t('reader.graceLeft', { count: hours })
          : t('reader.graceOver'),
  };
}

/** A download failure in words; a chunk that failed its check is named by its index. */
export function downloadErrorText(t: TFunction, item: LibraryItem): string {
  const { error, errorCode } = item.download;
  if (errorCode?.startsWith('CHUNK_')) {
    const index = /chunk\D{0,3}(\d+)/i.exec(error ?? '')?.[1];
    if (index !== undefined) return t('library.chunkFailed', { index });
  }
  return codeText(t, errorCode, error ?? errorCode ?? '');
}
