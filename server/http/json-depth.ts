import type { IncomingMessage } from 'node:http';
import { HttpErrorCode } from '../../protocol/http';
import { HttpError } from './errors';

/**
 * The deepest nesting of objects and arrays a request body may have. The deepest legitimate body is
 * a few levels (a push envelope, a policy, an enrollment); 64 leaves room for growth.
 */
export const MAX_JSON_DEPTH = 64;

/** How often the pre-scan refused a body (read by its test: proof it ran, not the parser). */
export const jsonDepthRefusals = { count: 0 };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/**
 * The nesting depth of a JSON text, in one linear pass over its bytes, stopping as soon as it goes
 * past `max`. Brackets inside strings do not count. Malformed JSON is left to the parser.
 */
export function jsonDepthExceeds(buf: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const byte = buf[i]!;
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACKET || byte === OPEN_BRACE) {
      if (++depth > max) return true;
    } else if (byte === CLOSE_BRACKET || byte === CLOSE_BRACE) depth--;
  }
  return false;
}

/**
 * For express.json's `verify` option, which sees the body before JSON.parse: a body nested deeper
 * than MAX_JSON_DEPTH is refused 400 JSON_TOO_DEEP before it is parsed. Parsing 5 million levels
 * (10 MB of `[`), then walking them for control characters, held the event loop for seconds, for
 * anyone, throttled or not (issue #16, third pass M-C).
 */
export function refuseDeepJson(_req: IncomingMessage, _res: unknown, buf: Buffer): void {
  if (!jsonDepthExceeds(buf, MAX_JSON_DEPTH)) return;
  jsonDepthRefusals.count++;
  throw new HttpError(
    400,
    HttpErrorCode.JSON_TOO_DEEP,
    `Request body is nested deeper than ${MAX_JSON_DEPTH} levels`,
  );
}
