import { ApiError } from '../../../protocol/api';
import { mb, StoreDiskFullError } from '../store/errors';

/** `error` or the first error of its `cause` chain that `is` accepts (RxDB and our stores wrap). */
function causeOf<T>(error: unknown, is: (e: unknown) => e is T): T | undefined {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (is(e)) return e;
    e = typeof e === 'object' && 'cause' in e ? e.cause : undefined;
  }
  return undefined;
}

/**
 * What every gated feature answers when the store did not open for a reason the user can act on,
 * instead of STORE_UNAVAILABLE: for a disk without room for the layout conversion, the figures the
 * screen puts in words (free `missingMb` on the disk holding `directory`, then restart).
 */
export function storeOpenRefusal(error: unknown): ApiError | null {
  const full = causeOf(error, (e): e is StoreDiskFullError => e instanceof StoreDiskFullError);
  if (!full) return null;
  return new ApiError('STORE_DISK_FULL', full.message, {
    neededMb: mb(full.neededBytes),
    freeMb: Math.floor(full.freeBytes / 1_000_000),
    missingMb: mb(Math.max(0, full.neededBytes - full.freeBytes)),
    directory: full.directory,
  });
}

function isSqliteFull(e: unknown): e is Error {
  return e instanceof Error && 'code' in e && e.code === 'SQLITE_FULL';
}

/** Whether SQLite refused a write of `error`'s chain because the disk is full. */
export function isDiskFull(error: unknown): boolean {
  return causeOf(error, isSqliteFull) !== undefined;
}

/**
 * A write SQLite refused because the disk is full (its transaction rolled back, so nothing of it
 * was kept: a sale is not acknowledged): said as such rather than as an internal error.
 */
export function diskFullRefusal(error: unknown): ApiError | null {
  if (!isDiskFull(error)) return null;
  return new ApiError(
    'STORE_WRITE_DISK_FULL',
    'The disk that holds the app’s data is full: this was not saved. Free space on it, then try again.',
  );
}
