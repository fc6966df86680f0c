import type pg from 'pg';
import { databaseBlobs } from './database';
import { directoryBlobs } from './directory';
import { withLegacyFiles } from './legacy-files';
import type { MaterialBlobs, MaterialsStore } from './types';

/**
 * The configured store (config.ts, OUTPOST_MATERIALS_STORE). The database store still reads what
 * an earlier version left in `dir` (./legacy-files.ts).
 */
export function openMaterialBlobs(store: MaterialsStore, dir: string, pool: pg.Pool): MaterialBlobs {
  const files = directoryBlobs(dir);
  return store === 'database' ? withLegacyFiles(databaseBlobs(pool), files) : files;
}
