import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { HttpErrorCode, type HttpErrorBody } from '../../protocol/http';
import type { Logger } from '../logger';
import { countAuthFailure } from './auth-failures';
import { HttpError, validationIssues } from './errors';
import { routePattern } from './route-pattern';

export function sendError(
  res: Response,
  status: number,
  code: string,
  message: string,
  details?: unknown,
  statement?: unknown,
) {
  const body: HttpErrorBody = {
    error: {
      code,
      message,
      ...(details === undefined ? {} : { details }),
      ...(statement === undefined ? {} : { statement }),
    },
  };
  res.status(status).json(body);
}

export const notFound: RequestHandler = (req) => {
  throw new HttpError(404, HttpErrorCode.NOT_FOUND, `No route for ${req.method} ${req.path}`);
};

/** body-parser and friends signal with http-errors: a numeric status and a `type` string. */
interface ParserError {
  status: number;
  type?: string;
  expose?: boolean;
  message: string;
}

function isParserError(err: unknown): err is ParserError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { status?: unknown }).status === 'number' &&
    typeof (err as { message?: unknown }).message === 'string'
  );
}

function fromParserError(err: ParserError): HttpError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new HttpError(400, HttpErrorCode.INVALID_JSON, 'Request body is not valid JSON');
    case 'entity.too.large':
    case 'parameters.too.many':
      return new HttpError(413, HttpErrorCode.PAYLOAD_TOO_LARGE, 'Request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, HttpErrorCode.UNSUPPORTED_MEDIA_TYPE, err.message);
  }
  // Any other client error raised by middleware (aborted request, bad length...) stays a 4xx.
  if (err.status >= 400 && err.status < 500) {
    return new HttpError(err.status, HttpErrorCode.BAD_REQUEST, err.expose ? err.message : 'Bad request');
  }
  return undefined;
}

/** The one place any error becomes a response; unknown failures are logged in full but answered generically. */
export function errorHandler(fallbackLogger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    const log = (res.locals.log as Logger | undefined) ?? fallbackLogger;
    if (res.headersSent) {
      log.error({ err }, 'error after response started');
      next(err);
      return;
    }
    const known =
      err instanceof HttpError
        ? err
        : err instanceof z.ZodError
          ? new HttpError(
              400,
              HttpErrorCode.VALIDATION_FAILED,
              'Request validation failed',
              validationIssues(err),
            )
          : isParserError(err)
            ? fromParserError(err)
            : undefined;
    if (known) {
      countAuthFailure(known.code);
      sendError(res, known.status, known.code, known.message, known.details, known.statement);
      return;
    }
    log.error({ err, method: req.method, route: routePattern(req) }, 'unhandled error');
    sendError(res, 500, HttpErrorCode.INTERNAL, 'Internal server error');
  };
}
