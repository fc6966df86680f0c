import { PAYMENT_ERROR_STATUS, PaymentErrorCode } from '../../protocol/http';
import { appendAudit } from '../audit/chain';
import { withTransaction } from '../db/tx';
import { HttpError } from '../http/errors';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { runLedgerCheck } from './ledger-check';
import { checkRanges } from './query';
import { bundleDetail, reviewPage } from './review';
import { exportSales, searchSales } from './search';
import { dailyTakings } from './takings';

type SalesHandlerNames =
  'searchSales' | 'exportSales' | 'dailyTakings' | 'bundleDetail' | 'checkLedger' | 'listReview';

/** The back office's review queue, sales, takings and ledger (issue #19, items 7 and 8). */
export function salesHandlers(deps: TrustDeps): Pick<Handlers, SalesHandlerNames> {
  const { pool } = deps;
  return {
    listReview: async ({ query }) => ({ body: await reviewPage(pool, query) }),

    searchSales: async ({ query }) => {
      checkRanges(query);
      return { body: await searchSales(pool, query) };
    },

    exportSales: async ({ query, res }) => {
      checkRanges(query);
      const csv = await exportSales(pool, query);
      res.setHeader('content-disposition', `attachment; filename="sales-${query.from}-${query.to}.csv"`);
      return { body: csv, contentType: 'text/csv; charset=utf-8' };
    },

    dailyTakings: async ({ query }) => ({ body: await dailyTakings(pool, query) }),

    bundleDetail: async ({ params, query }) => {
      const detail = await bundleDetail(pool, { bundleId: params.bundle_id, deviceId: query.device_id });
      if (!detail)
        throw new HttpError(
          PAYMENT_ERROR_STATUS.BUNDLE_NOT_FOUND,
          PaymentErrorCode.BUNDLE_NOT_FOUND,
          'Bundle not found',
        );
      return { body: detail };
    },

    checkLedger: async ({ user }) => {
      const result = await withTransaction(pool, async (client) => {
        await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
        return runLedgerCheck(client);
      });
      await withTransaction(pool, (client) =>
        appendAudit(client, {
          actorType: 'user',
          actorId: user.id,
          action: 'ledger.checked',
          targetType: 'ledger',
          targetId: 'ledger',
          details: {
            balanced: result.balanced,
            entries: result.entries,
            unbalanced_sales: result.unbalanced_sales.count,
            entries_without_sale: result.entries_without_sale.count,
            reconciled_without_entries: result.reconciled_without_entries.count,
          },
        }),
      );
      return { body: result };
    },
  };
}
