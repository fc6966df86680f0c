import type { IncomingMessage } from 'node:http';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type pg from 'pg';
import { HttpErrorCode, ROUTES } from '../protocol/http';
import type { Logger } from './logger';
import { HttpError } from './http/errors';
import { errorHandler, notFound } from './http/error-handler';
import { healthRouter } from './http/health';
import { refuseDeepJson } from './http/json-depth';
import { captureRawBody } from './http/raw-body';
import { requestContext } from './http/request-context';
import { httpMetrics } from './metrics/http';
import { PUSH_BODY_LIMIT } from './payments/body';

export const JSON_BODY_LIMIT = '1mb';
/** Sign-in, refresh, sign-out and enrollment bodies: an email and password, a token, a code and keys. */
export const AUTH_BODY_LIMIT = '16kb';

/**
 * The routes allowed a larger JSON body than JSON_BODY_LIMIT, and only them: a big limit everywhere
 * would let any route be made to buffer and parse megabytes before its checks run.
 */
export const ROUTE_BODY_LIMITS: readonly { method: 'post'; path: string; limit: string }[] = [
  // Signed bundles of up to 500 sales; the envelope authenticates itself (no raw body needed).
  { method: 'post', path: ROUTES.pushBundle.path, limit: PUSH_BODY_LIMIT },
  // Unauthenticated routes read a few KB at most (issue #16, third pass M-C).
  ...[
    ROUTES.signIn,
    ROUTES.refresh,
    ROUTES.signOut,
    ROUTES.enroll,
    ROUTES.consoleSignIn,
    ROUTES.setup,
    ROUTES.acceptLink,
  ].map(({ path }) => ({
    method: 'post' as const,
    path,
    limit: AUTH_BODY_LIMIT,
  })),
];

export interface AppDeps {
  pool: pg.Pool;
  logger: Logger;
  /** How long `/health/ready` waits for `select 1`. */
  readyTimeoutMs?: number;
  /** Feature routers, mounted after the health routes and before the 404 handler. */
  routes?: readonly Router[];
  /** Express's `trust proxy` (config TRUST_PROXY): whose X-Forwarded-For gives `req.ip`. */
  trustProxy?: number | string;
}

export function createApp({ pool, logger, readyTimeoutMs, routes = [], trustProxy }: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // The per-address throttles count req.ip: behind a proxy, only a trusted proxy may name it.
  if (trustProxy !== undefined) app.set('trust proxy', trustProxy);
  app.use(requestContext(logger));
  app.use(httpMetrics);
  app.use(helmet());
  // Matched like the routes themselves; the parser below then skips a body already read.
  // Every body is scanned for its nesting depth before it is parsed (refuseDeepJson).
  for (const { method, path, limit } of ROUTE_BODY_LIMITS) app[method](path, jsonBody(limit));
  app.use(jsonBody(JSON_BODY_LIMIT));
  app.use(healthRouter(pool, readyTimeoutMs));
  for (const router of routes) app.use(router);
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}

/**
 * JSON bodies as the server reads them: UTF-8 only and never compressed (`inflate: false` answers a
 * Content-Encoding 415), so the byte scan in refuseDeepJson sees the text the parser will read, and
 * a 31 KB gzip cannot unpack into 32 MB of work (issue #16, fourth pass). No till or terminal
 * compresses its bodies (docs/protocol.md).
 */
function jsonBody(limit: string) {
  return express.json({ limit, inflate: false, verify: keepJson });
}

/**
 * express.json's `verify`: refuse a body the parser would not decode as UTF-8 (`encoding` is the
 * charset body-parser itself took from Content-Type, so no header spelling can show this check one
 * charset and the parser another — a regex here was fooled by a quoted `x="; charset=utf-8"`:
 * fifth pass), then one nested too deep or too wide before it is parsed, then keep its exact bytes
 * (device signatures cover them; re-serialising the parsed JSON would not give them back).
 */
function keepJson(req: IncomingMessage, res: unknown, buf: Buffer, encoding: string): void {
  if (encoding !== 'utf-8')
    throw new HttpError(
      415,
      HttpErrorCode.UNSUPPORTED_MEDIA_TYPE,
      'Unsupported charset: JSON bodies are read as UTF-8 only',
    );
  refuseDeepJson(req, res, buf);
  captureRawBody(req, res, buf);
}
