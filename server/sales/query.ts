import {
  DeviceId,
  SALES_ERROR_STATUS,
  SALES_RANGE_MAX_DAYS,
  SalesErrorCode,
  type SalesFilter,
} from '../../protocol/http';
import { HttpError } from '../http/errors';

/**
 * What the sales, takings and review queries share (issue #19): their own 400s, time zones, and
 * keyset cursors. Every malformed query is answered here with a specific code, never a 5xx.
 */

export const salesError = (code: SalesErrorCode, message: string, details?: unknown) =>
  new HttpError(SALES_ERROR_STATUS[code], code, message, details);

/** An IANA zone this runtime knows (ICU, as PostgreSQL's tz database names them), or UTC. */
export function checkTimeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz;
  } catch {
    throw salesError(SalesErrorCode.TIME_ZONE_UNKNOWN, `Unknown time zone: ${tz}`);
  }
}

/** PostgreSQL's "invalid parameter value" for a zone ICU knows and its tz database does not. */
export async function inTimeZone<T>(tz: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if ((err as { code?: string }).code === '22023' && /time zone/i.test(String(err)))
      throw salesError(SalesErrorCode.TIME_ZONE_UNKNOWN, `Unknown time zone: ${tz}`);
    throw err;
  }
}

const DAY_MS = 86_400_000;

/** The filters' own consistency: ranges the right way round and no longer than allowed. */
export function checkRanges(filter: SalesFilter): void {
  if (filter.from !== undefined && filter.to !== undefined) {
    if (filter.from > filter.to)
      throw salesError(SalesErrorCode.RANGE_INVERTED, '`from` is after `to`', { path: 'from' });
    const days = (Date.parse(filter.to) - Date.parse(filter.from)) / DAY_MS + 1;
    if (days > SALES_RANGE_MAX_DAYS)
      throw salesError(
        SalesErrorCode.RANGE_TOO_LONG,
        `A date range covers at most ${SALES_RANGE_MAX_DAYS} days`,
        { days, max: SALES_RANGE_MAX_DAYS },
      );
  }
  if (filter.min_minor !== undefined && filter.max_minor !== undefined && filter.min_minor > filter.max_minor)
    throw salesError(SalesErrorCode.RANGE_INVERTED, '`min_minor` is above `max_minor`', {
      path: 'min_minor',
    });
  checkTimeZone(filter.tz);
}

/**
 * A keyset cursor: the last row's instant in microseconds since the epoch (exact, as PostgreSQL
 * keeps it) and its identifying columns, as base64url JSON. Opaque to clients.
 */
export function encodeCursor(micros: string, ...ids: string[]): string {
  return Buffer.from(JSON.stringify([micros, ...ids])).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const CURSOR_ID = {
  uuid: (s: string) => UUID.test(s),
  device: (s: string) => DeviceId.safeParse(s).success,
};

/** The cursor's parts, each checked, or 400 CURSOR_INVALID. */
export function decodeCursor(text: string, ...ids: ((s: string) => boolean)[]): [string, ...string[]] {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  const ok =
    /^[A-Za-z0-9_-]+$/.test(text) &&
    Array.isArray(parts) &&
    parts.length === ids.length + 1 &&
    parts.every((p) => typeof p === 'string') &&
    /^\d{1,17}$/.test(parts[0] as string) &&
    ids.every((check, i) => check(parts[i + 1] as string));
  if (!ok) throw salesError(SalesErrorCode.CURSOR_INVALID, 'Not a cursor from a previous answer');
  return parts as [string, ...string[]];
}

/** SQL for a row's instant as exact microseconds (text), to build a cursor from. */
export const micros = (column: string) => `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;
/** SQL for a cursor's microseconds ($n, text) back to the same instant, exactly. */
export const fromMicros = (param: string) =>
  `('epoch'::timestamptz + ${param}::bigint * interval '1 microsecond')`;
