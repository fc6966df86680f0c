import { HttpErrorCode } from '../../protocol/http';
import { HttpError } from '../http/errors';
import { scrapeMetrics } from '../metrics/scrape';
import type { TrustDeps } from '../routes/deps';
import type { Handlers } from '../routes/types';
import { fullHealth } from './full';
import { healthOverview } from './overview';

export function healthHandlers(deps: TrustDeps): Pick<Handlers, 'healthFull' | 'metrics' | 'healthOverview'> {
  return {
    healthFull: async () => {
      const health = await fullHealth(deps.pool);
      if (!health) throw new HttpError(503, HttpErrorCode.DB_UNAVAILABLE, 'Database unavailable');
      return { body: health };
    },
    healthOverview: async () => {
      const overview = await healthOverview(deps.pool);
      if (!overview) throw new HttpError(503, HttpErrorCode.DB_UNAVAILABLE, 'Database unavailable');
      return { body: overview };
    },
    metrics: async () => {
      const { contentType, text } = await scrapeMetrics(deps.pool);
      return { body: text, contentType };
    },
  };
}
