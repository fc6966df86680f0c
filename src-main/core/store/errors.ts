import { PrefixedCodedError } from '../../../protocol/coded-error';

/**
 * Failures of the local store that callers must tell apart: a missing or wrong key means "do not
 * touch the file, ask for recovery", never "start a fresh database".
 */
export type StoreErrorCode =
  | 'STORE_KEY_MISSING'
  | 'STORE_KEY_WRONG'
  | 'STORE_KEY_CORRUPT'
  | 'STORE_CLOSED'
  | 'STORE_REKEY_FAILED'
  | 'STORE_ATTACHMENT_MISSING'
  | 'STORE_NO_TEXT_INDEX'
  | 'STORE_DISK_FULL';

export class StoreError extends PrefixedCodedError<StoreErrorCode> {
  override readonly name = 'StoreError';
}

/**
 * The layout conversion at open (layout.ts) has no room on the disk: refused before it started or
 * rolled back when the disk filled during it. The file is whole on its old layout; the figures are
 * what the user needs to act (free `neededBytes - freeBytes` on the disk holding `directory`).
 */
export class StoreDiskFullError extends StoreError {
  constructor(
    readonly neededBytes: number,
    readonly freeBytes: number,
    readonly directory: string,
    options?: { cause?: unknown },
  ) {
    super(
      'STORE_DISK_FULL',
      `converting the database in ${directory} to the current layout needs ${mb(neededBytes)} MB free on ` +
        `the disk that holds it; ${Math.floor(freeBytes / 1_000_000)} MB are free. Nothing was changed: the database is whole ` +
        `on its old layout and is converted at the next start once there is room. Free at least ` +
        `${mb(Math.max(0, neededBytes - freeBytes))} MB on that disk, then restart the app.`,
      options,
    );
  }
}

/** Whole megabytes (10^6 bytes, as file managers show them), rounded up so "free N MB" suffices. */
export function mb(bytes: number): number {
  return Math.ceil(bytes / 1_000_000);
}
