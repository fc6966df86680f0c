import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_MATERIAL_BYTES } from '../../protocol/http';
import { deriveKey } from '../keys/master-secret';

/** What the material and licence routes and the encryption worker share. */
export interface MaterialsDeps {
  /** Uploads (until encrypted) and `<material id>.enc` files. */
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

/** Without a directory (tests, tools that never store files) a fresh temporary one is used. */
export function materialsDeps(masterSecret: Buffer, dir?: string): MaterialsDeps {
  return {
    dir: dir ?? mkdtempSync(join(tmpdir(), 'outpost-materials-')),
    masterSecret,
    urlKey: deriveKey(masterSecret, 'material-download-urls'),
    maxBytes: MAX_MATERIAL_BYTES,
  };
}
