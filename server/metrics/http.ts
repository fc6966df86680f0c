import type { RequestHandler } from 'express';
import { routePattern } from '../http/route-pattern';
import { metrics } from './index';

/**
 * Times every request, labelled by route pattern (never the raw path: random paths would
 * create unbounded series). Unmatched requests share one label.
 */
export const httpMetrics: RequestHandler = (req, res, next) => {
  const end = metrics.httpDuration.startTimer();
  res.on('finish', () => {
    end({ method: req.method, route: routePattern(req), status: String(res.statusCode) });
  });
  next();
};
