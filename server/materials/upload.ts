import { randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import { HttpErrorCode, MaterialErrorCode, type MaterialContentType } from '../../protocol/http';
import { HttpError } from '../http/errors';
import type { MaterialsDeps } from './deps';
import { acceptedContentType, headMatches, SNIFF_BYTES, TextSniffer } from './sniff';

export interface ReceivedUpload {
  id: string;
  contentType: MaterialContentType;
  size: number;
}

const unsupported = (message: string) =>
  new HttpError(415, MaterialErrorCode.UNSUPPORTED_MEDIA_TYPE, message);

function tooLarge(res: Response, max: number): HttpError {
  // The client may still be sending: closing the connection stops it wasting the upload.
  res.setHeader('Connection', 'close');
  return new HttpError(413, HttpErrorCode.PAYLOAD_TOO_LARGE, `A material is at most ${max} bytes`);
}

/**
 * Streams the raw request body into the materials store (never held in memory), enforcing the size
 * limit as bytes arrive and checking that the bytes are what the Content-Type claims. On any
 * refusal nothing is left in the store.
 */
export async function receiveUpload(
  deps: MaterialsDeps,
  req: Request,
  res: Response,
): Promise<ReceivedUpload> {
  const contentType = acceptedContentType(req.get('content-type'));
  if (!contentType) throw unsupported('Content-Type must be one of the material types (text as UTF-8)');
  const declared = req.get('content-length');
  if (declared !== undefined && Number(declared) > deps.maxBytes) throw tooLarge(res, deps.maxBytes);

  const id = randomUUID();
  const pending = await deps.blobs.receiveUpload(id);
  const text = contentType.startsWith('text/') ? new TextSniffer() : undefined;
  let head = Buffer.alloc(0);
  let size = 0;
  let overflow = false;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > deps.maxBytes) {
        overflow = true;
        done(new Error('upload too large'));
        return;
      }
      if (head.length < SNIFF_BYTES)
        head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
      text?.push(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(req, meter, pending.stream);
  } catch (err) {
    await pending.abort();
    if (overflow) throw tooLarge(res, deps.maxBytes);
    const interrupted = new HttpError(400, HttpErrorCode.BAD_REQUEST, 'Upload interrupted');
    interrupted.cause = err;
    throw interrupted;
  }
  if (!headMatches(contentType, head) || (text && !text.end())) {
    await pending.abort();
    throw unsupported(`The bytes are not ${contentType}`);
  }
  await pending.commit();
  return { id, contentType, size };
}
