import { z } from 'zod';

/**
 * Years a timestamp may name: 2000–9999. PostgreSQL has no year 0 and JS Date reads 0000 as 1 BC,
 * so a sale dated 0000-01-01 reached the server's date casts and answered 500 (#16 F4). No genuine
 * Outpost record predates 2000, and four digits is what ISO 8601 without expansion can write.
 */
export const MIN_YEAR = 2000;
export const MAX_YEAR = 9999;

const saneYear = (value: string): boolean => {
  const year = Number(value.slice(0, 4));
  return year >= MIN_YEAR && year <= MAX_YEAR;
};

/** An ISO 8601 UTC timestamp (`Z`) within MIN_YEAR–MAX_YEAR. */
export const UtcTimestamp = z.iso
  .datetime({ offset: false })
  .refine(saneYear, `year outside ${MIN_YEAR}–${MAX_YEAR}`);

/** An ISO 8601 timestamp with `Z` or an offset, within MIN_YEAR–MAX_YEAR. */
export const IsoDateTime = z.iso
  .datetime({ offset: true })
  .refine(saneYear, `year outside ${MIN_YEAR}–${MAX_YEAR}`);
