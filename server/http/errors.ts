import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { HttpErrorCode, type ValidationIssue } from '../../protocol/http';
import { controlCharacterPath, NO_CONTROLS_MESSAGE } from '../../protocol/text';

/** Thrown by routes; the error middleware turns it into the one JSON error body. */
export class HttpError extends Error {
  override name = 'HttpError';
  /** The server's signed word on this refusal (`error.statement`), where the route signs it. */
  statement?: unknown;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function validationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    code: issue.code,
    message: issue.message,
  }));
}

/** Parses untrusted input; a mismatch is the client's fault (400), never a 500. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  // Before the schema: covers every string of every route, even one a schema left as z.string(),
  // so a NUL never reaches PostgreSQL (which refuses it in text, as a 500).
  const where = controlCharacterPath(value);
  if (where !== undefined) {
    throw new HttpError(400, HttpErrorCode.CONTROL_CHARACTERS, 'Text must not contain control characters', [
      { path: where, code: 'control_character', message: NO_CONTROLS_MESSAGE },
    ] satisfies ValidationIssue[]);
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HttpError(
      400,
      HttpErrorCode.VALIDATION_FAILED,
      'Request validation failed',
      validationIssues(result.error),
    );
  }
  return result.data;
}

/** Terminal handler for a known path hit with a method it does not serve. */
export function methodNotAllowed(allowed: readonly string[]): RequestHandler {
  return (req, res) => {
    res.setHeader('Allow', allowed.join(', '));
    throw new HttpError(405, HttpErrorCode.METHOD_NOT_ALLOWED, `Method ${req.method} not allowed`);
  };
}
