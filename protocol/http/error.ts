import { z } from 'zod';

/**
 * Codes the generic HTTP layer emits. Feature routes add their own domain codes
 * (e.g. `DEVICE_NOT_FOUND`); clients must treat an unknown code as a plain failure
 * of the given HTTP status, which is why the wire schema keeps `code` an open string.
 */
export const HttpErrorCode = {
  BAD_REQUEST: 'BAD_REQUEST',
  INVALID_JSON: 'INVALID_JSON',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  INTERNAL: 'INTERNAL',
  DB_UNAVAILABLE: 'DB_UNAVAILABLE',
  /** A string of the request (body, parameter or query, at any depth) holds a C0 control or DEL. */
  CONTROL_CHARACTERS: 'CONTROL_CHARACTERS',
  /** The body nests objects or arrays deeper than the server reads (server/http/json-depth.ts). */
  JSON_TOO_DEEP: 'JSON_TOO_DEEP',
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

export const httpErrorBodySchema = z.object({
  error: z.object({
    code: z.string().min(1),
    message: z.string(),
    details: z.unknown().optional(),
    /**
     * The server's signed statement on this refusal, where the route signs its refusals (a push's:
     * protocol/http/push-refusal.ts). A client that acts on a refusal for good checks it first.
     */
    statement: z.unknown().optional(),
  }),
});
export type HttpErrorBody = z.infer<typeof httpErrorBodySchema>;

/** One entry of `details` for `VALIDATION_FAILED`: where the input was wrong and why. */
export const validationIssueSchema = z.object({
  path: z.string(),
  code: z.string(),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof validationIssueSchema>;
