import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { MAX_MATERIAL_BYTES } from '../../protocol/http';
import { deriveKey } from '../keys/master-secret';
import { openMaterialBlobs } from './blobs/open';
import type { MaterialBlobs, MaterialsStore } from './blobs/types';

/** What the material and licence routes and the encryption worker share. */
export interface MaterialsDeps {
  /** Uploads (until encrypted) and encrypted files (./blobs/): the table, or the directory. */
  blobs: MaterialBlobs;
  /** The directory store's files; the database store still reads what an earlier version left here. */
  dir: string;
  /** KEKs are derived from it per version (./kek.ts); it never leaves the process. */
  masterSecret: Buffer;
  /** HMAC key of download URLs (./download-token.ts). */
  urlKey: Buffer;
  /** Upload limit in bytes; tests lower it. */
  maxBytes: number;
}

export function materialsDirOf(dataDir: string): string {
  return join(dataDir, 'materials');
}

export interface MaterialsStorage {
  pool: pg.Pool;
  /** Default `directory` (config.ts picks `database` on DATABASE_URL). */
  store?: MaterialsStore;
  /** Without one (tests, tools that never store files) a fresh temporary directory is used. */
  dir?: string;
}

export function materialsDeps(masterSecret: Buffer, storage: MaterialsStorage): MaterialsDeps {
  const dir = storage.dir ?? mkdtempSync(join(tmpdir(), 'outpost-materials-'));
  return {
    blobs: openMaterialBlobs(storage.store ?? 'directory', dir, storage.pool),
    dir,
    masterSecret,
    urlKey: deriveKey(masterSecret, 'material-download-urls'),
    maxBytes: MAX_MATERIAL_BYTES,
  };
}
