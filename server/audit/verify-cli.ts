/**
 * npm run audit:verify — walks offline_audit_logs and checks every hash and link.
 * Exit 0: intact. Exit 1: broken (prints the first bad row's id and why). Exit 2: could not check.
 * Uses DATABASE_URL, or the embedded database under OUTPOST_DATA_DIR (the server must be stopped).
 */
import { loadConfig } from '../config';
import { openDatabase } from '../db/open';
import { verifyAuditChain } from './verify';

async function main(): Promise<number> {
  const db = await openDatabase(loadConfig());
  try {
    const report = await verifyAuditChain(db.pool);
    if (report.ok) {
      process.stdout.write(`audit chain intact: ${report.rows} rows, last hash ${report.lastHash}\n`);
      return 0;
    }
    process.stdout.write(`audit chain BROKEN at row id ${report.brokenId}: ${report.reason}\n`);
    return 1;
  } finally {
    await db.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit:verify could not run: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
