import type { IncomingMessage } from 'node:http';
import { HttpErrorCode } from '../../protocol/http';
import { HttpError } from './errors';

/**
 * The deepest nesting of objects and arrays a request body may have. The deepest legitimate body is
 * a few levels (a push envelope, a policy, an enrollment); 64 leaves room for growth.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The most values (objects, arrays, members and elements) a request body may hold. The largest
 * legitimate bodies (a 1,000-item catalog import, 1,000 licence statuses) hold ~20,000; a push
 * envelope holds a few dozen around one long ciphertext. Parsing 3 million keys held the event loop
 * ~7 s (issue #16, fourth pass): width costs as much as depth.
 */
export const MAX_JSON_VALUES = 50_000;

/** How often the pre-scan refused a body (read by its test: proof it ran, not the parser). */
export const jsonDepthRefusals = { count: 0 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;
const COLON = 0x3a;

export type JsonShapeProblem = 'too-deep' | 'too-many-values' | null;

/**
 * One linear pass over a UTF-8 JSON text's bytes, stopping as soon as it nests deeper than
 * `maxDepth` or holds more than `maxValues` values (counted by their openers and separators).
 * Brackets and commas inside strings do not count. Malformed JSON is left to the parser. Only
 * UTF-8 is read this way: the body parsers are set to refuse every other charset and any
 * Content-Encoding before this runs (a UTF-16 body read as bytes hid its brackets).
 */
export function jsonShapeProblem(buf: Uint8Array, maxDepth: number, maxValues: number): JsonShapeProblem {
  let depth = 0;
  let values = 1;
  for (let i = 0; i < buf.length; i++) {
    const byte = buf[i]!;
    if (byte === QUOTE) {
      i = stringEnd(buf, i);
      if (i < 0) return null; // unterminated: the parser refuses it
    } else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > maxDepth) return 'too-deep';
      if (++values > maxValues) return 'too-many-values';
    } else if (byte === COMMA || byte === COLON) {
      if (++values > maxValues) return 'too-many-values';
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) depth--;
  }
  return null;
}

/**
 * The index of the quote closing the string opened at `open`, or -1. Found with indexOf (memchr)
 * rather than byte by byte: a push body is mostly one long base64 ciphertext, and the byte loop
 * over it was the event loop's largest JavaScript frame in the ingest bench. A quote preceded by an
 * odd run of backslashes is escaped and skipped.
 */
function stringEnd(buf: Uint8Array, open: number): number {
  for (let at = open + 1; ; at++) {
    at = buf.indexOf(QUOTE, at);
    if (at < 0) return -1;
    let backslashes = 0;
    while (buf[at - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/**
 * For express.json's `verify` option, which sees the body before JSON.parse: a body nested deeper
 * than MAX_JSON_DEPTH is refused 400 JSON_TOO_DEEP, one with more than MAX_JSON_VALUES values 413
 * PAYLOAD_TOO_LARGE, before it is parsed. Parsing 5 million levels (10 MB of `[`), or 3 million
 * keys, then walking them for control characters, held the event loop for seconds, for anyone,
 * throttled or not (issue #16, third and fourth passes).
 */
export function refuseDeepJson(_req: IncomingMessage, _res: unknown, buf: Buffer): void {
  const problem = jsonShapeProblem(buf, MAX_JSON_DEPTH, MAX_JSON_VALUES);
  if (problem === null) return;
  jsonDepthRefusals.count++;
  if (problem === 'too-deep')
    throw new HttpError(
      400,
      HttpErrorCode.JSON_TOO_DEEP,
      `Request body is nested deeper than ${MAX_JSON_DEPTH} levels`,
    );
  throw new HttpError(
    413,
    HttpErrorCode.PAYLOAD_TOO_LARGE,
    `Request body holds more than ${MAX_JSON_VALUES} values`,
  );
}
