import { ApiError } from '../../../protocol/api';
import { isDiskFull } from '../api/store-refusal';

/**
 * Runs a write that follows a recorded sale, refund or void (its anchor's generation, its audit
 * entry, the cart's clearing). Each is its own commit, so the disk can fill between the sale's and
 * this one: answered as STORE_WRITE_DISK_FULL ("this was not saved, try again") the cashier would
 * take the payment a second time for a sale that is stored. Said as recorded instead.
 */
export async function afterRecorded<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isDiskFull(error)) throw error;
    console.error(
      '[pos] recorded, then a write found the disk full',
      error instanceof Error ? error.message : error,
    );
    throw new ApiError(
      'SALE_RECORDED_DISK_FULL',
      'The disk that holds the app’s data is full, but this was recorded: do not take or give its money again. Free space on it, then start a new sale.',
    );
  }
}
