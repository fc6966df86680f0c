import type { MangoQuery } from 'rxdb';
import type { SaleDoc } from '../../src-main/core/store/schemas/index';

/** The bench's sales: TERMINALS tills, one day at a time from DAY0. */
export const TERMINALS = 20;
export const DAY = 86_400_000;
export const DAY0 = Date.UTC(2025, 0, 1);

/** The device id of bench terminal `terminal` (0 .. TERMINALS - 1). */
export function terminalId(terminal: number): string {
  return `pos-${String(terminal).padStart(3, '0')}`;
}

/** "Today's sales for this terminal", the query the 1M-sale target names. */
export function todayQuery(terminal: number, day: number): MangoQuery<SaleDoc> {
  return {
    selector: {
      deviceId: terminalId(terminal),
      createdAt: { $gte: DAY0 + day * DAY, $lt: DAY0 + (day + 1) * DAY },
    },
    sort: [{ createdAt: 'asc' }],
  };
}
