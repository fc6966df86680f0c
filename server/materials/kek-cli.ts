/**
 * npm run kek:rotate — adds a KEK version and re-wraps every material's CEK under it (one
 * transaction); encrypted files are not touched. Uses DATABASE_URL, or the embedded database under
 * OUTPOST_DATA_DIR (the server must be stopped), and the server's master secret (OUTPOST_MASTER_SECRET
 * or the data directory's master.key), which it never creates. Exit 0 done, 2 could not run.
 */
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open';
import { installAuditKey } from '../audit/key';
import { loadExistingMasterSecret } from '../keys/master-secret';
import { rotateKek } from './kek';

async function main(): Promise<number> {
  const config = loadConfig();
  // A new master secret would derive a KEK the server cannot rebuild (every material would become
  // unreadable) and key audit rows audit:verify calls forged: use the server's own or stop, before
  // touching the database.
  const master = await loadExistingMasterSecret(config.masterSecret, config.dataDir);
  if (!master) {
    process.stderr.write(
      "kek:rotate needs the server's master secret: set OUTPOST_MASTER_SECRET, or OUTPOST_DATA_DIR to the server's data directory (server/master.key). Nothing was changed.\n",
    );
    return 2;
  }
  const db = await openDatabase(config);
  try {
    await migrate(db.pool);
    installAuditKey(master);
    const result = await rotateKek(db.pool, master, { type: 'system', id: 'kek:rotate' });
    process.stdout.write(`KEK rotated to version ${result.version}: ${result.rewrapped} CEKs re-wrapped\n`);
    return 0;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`kek:rotate could not run: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
