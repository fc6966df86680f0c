import type { Readable, Writable } from 'node:stream';
import type { Queryable } from '../../db/tx';

/** Where material bytes live: `database` (every replica shares it) or `directory` (one disk). */
export const MATERIALS_STORES = ['database', 'directory'] as const;
export type MaterialsStore = (typeof MATERIALS_STORES)[number];

/**
 * An object being written aside, invisible to readers until `commit`. `stream` takes the bytes
 * (with backpressure: nothing is held whole); `commit` makes it visible atomically, inside the
 * caller's transaction when given one (the job's lease-checking transaction publishes this way);
 * `abort` removes what was written. An S3 store maps these to a multipart upload under a staging
 * key: UploadPart per chunk, CompleteMultipartUpload then a conditional copy (If-Match on the
 * published key's ETag, or If-None-Match: * for a first publish) on commit, AbortMultipartUpload.
 */
export interface PendingObject {
  readonly stream: Writable;
  /** `db`: the transaction to publish in; without one, the store's own connection. */
  commit(db?: Queryable): Promise<void>;
  abort(): Promise<void>;
}

/** Inclusive byte range, as the download route parsed it from `Range`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Material blobs: a teacher's plaintext upload (until its encryption job published) and the
 * encrypted object downloads serve. A missing upload rejects with an error whose `code` is
 * 'ENOENT' (the job treats that as failed for good, as it did for a missing file).
 */
export interface MaterialBlobs {
  readonly store: MaterialsStore;
  /** A new upload for material `id`; committed before the material row is inserted. */
  receiveUpload(id: string): Promise<PendingObject>;
  openUpload(id: string): Promise<Readable>;
  deleteUpload(id: string): Promise<void>;
  /** Attempt `attempt`'s encrypted object; only the job's finishing transaction commits it. */
  stageEncrypted(id: string, attempt: number): Promise<PendingObject>;
  /** Bytes of the published encrypted object; undefined when none is published. */
  encryptedSize(id: string): Promise<number | undefined>;
  /** The published encrypted object, or a range of it (S3: GetObject with Range). */
  openEncrypted(id: string, range: ByteRange): Promise<Readable>;
}

export function notFound(what: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`ENOENT: ${what} not found`);
  err.code = 'ENOENT';
  return err;
}
