import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger';
import { routePattern } from './route-pattern';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      requestId: string;
      /** Child logger bound to this request's id. */
      log: Logger;
    }
  }
}

export const REQUEST_ID_HEADER = 'x-request-id';
// A caller-supplied id is echoed into our logs and headers, so accept only a short, plain token.
const WELL_FORMED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(header: string | undefined): string {
  return header !== undefined && WELL_FORMED_ID.test(header) ? header : randomUUID();
}

/**
 * Gives each request an id (honoured from `x-request-id` when well-formed), echoes it, and
 * logs one line when the response finishes. Only method, route pattern and status are logged:
 * paths (a download token is a path segment), query strings, headers and bodies may carry tokens
 * or payment data.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const id = requestId(req.get(REQUEST_ID_HEADER));
    const log = logger.child({ reqId: id });
    res.locals.requestId = id;
    res.locals.log = log;
    res.setHeader(REQUEST_ID_HEADER, id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      log[level](
        {
          method: req.method,
          route: routePattern(req),
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
        },
        'request completed',
      );
    });
    next();
  };
}
