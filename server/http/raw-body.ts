import type { IncomingMessage } from 'node:http';

// The exact bytes a device signed; re-serialising the parsed JSON would not give them back.
const rawBodies = new WeakMap<IncomingMessage, Buffer>();

/** For express.json's `verify` option, which sees the body before it is parsed. */
export function captureRawBody(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  rawBodies.set(req, buf);
}

/** The body bytes as received, or empty when there was none (or it was not JSON). */
export function rawBody(req: IncomingMessage): Buffer {
  return rawBodies.get(req) ?? Buffer.alloc(0);
}
