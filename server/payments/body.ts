import type { IncomingMessage } from 'node:http';
import express, { type Express } from 'express';
import { HttpErrorCode, ROUTES } from '../../protocol/http';
import { HttpError } from '../http/errors';

/**
 * A 500-sale bundle with many lines per sale exceeds the app-wide 1 MB JSON limit (server/app.ts);
 * ~5 lines per sale already reach it. POST /offline/push gets its own limit: the envelope schema
 * allows 28 MB of ciphertext.
 */
export const PUSH_BODY_LIMIT = '32mb';

const parseErrors = new WeakMap<IncomingMessage, HttpError>();

/** The parse failure of a push body, answered by the push handler with the usual error body. */
export function pushBodyError(req: IncomingMessage): HttpError | undefined {
  return parseErrors.get(req);
}

function toHttpError(err: unknown): HttpError {
  const type = (err as { type?: unknown }).type;
  if (type === 'entity.too.large')
    return new HttpError(413, HttpErrorCode.PAYLOAD_TOO_LARGE, 'Request body is too large');
  if (type === 'entity.parse.failed')
    return new HttpError(400, HttpErrorCode.INVALID_JSON, 'Request body is not valid JSON');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported')
    return new HttpError(415, HttpErrorCode.UNSUPPORTED_MEDIA_TYPE, 'Unsupported charset or encoding');
  return new HttpError(400, HttpErrorCode.BAD_REQUEST, 'Bad request');
}

/**
 * Wraps the app so that push bodies are read with PUSH_BODY_LIMIT before the app's own parser runs
 * (body-parser skips a body that was already read). A parse error is kept for the push handler, so
 * it is answered inside the app, with its request id, logging and metrics.
 */
export function withPushBodyLimit(app: Express): Express {
  const outer = express();
  outer.disable('x-powered-by');
  const parse = express.json({ limit: PUSH_BODY_LIMIT });
  outer.post(ROUTES.pushBundle.path, (req, res, next) => {
    parse(req, res, (err?: unknown) => {
      if (err) {
        parseErrors.set(req, toHttpError(err));
        req.body = undefined;
      }
      next();
    });
  });
  outer.use(app);
  return outer;
}
