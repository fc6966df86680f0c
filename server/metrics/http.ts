import type { RequestHandler } from 'express';
import { metrics } from './index';

/**
 * Times every request, labelled by route pattern (never the raw path: random paths would
 * create unbounded series). Unmatched requests share one label.
 */
export const httpMetrics: RequestHandler = (req, res, next) => {
  const end = metrics.httpDuration.startTimer();
  res.on('finish', () => {
    const pattern = (req.route as { path?: unknown } | undefined)?.path;
    const route = typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
    end({ method: req.method, route, status: String(res.statusCode) });
  });
  next();
};
