/**
 * npm run audit:verify — walks offline_audit_logs and checks every hash, link, keyed MAC and keyed
 * checkpoint, and that the chain still reaches the anchor the server keeps outside the database.
 * Exit 0: intact. Exit 1: broken (prints the first bad row's id and why). Exit 2: could not check.
 *
 * Uses DATABASE_URL, or the embedded database under OUTPOST_DATA_DIR (the server must be stopped).
 * Needs the server's master secret, like `npm run worker`: OUTPOST_MASTER_SECRET, or the server's
 * `<OUTPOST_DATA_DIR>/server/master.key`; it never creates one. The anchor is read from
 * `<OUTPOST_DATA_DIR>/server/audit-anchor.json` when present; `--anchor ID:HASH` gives one recorded
 * elsewhere (the server logs each as "audit checkpoint").
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { openDatabase } from '../db/open';
import { loadExistingMasterSecret } from '../keys/master-secret';
import { anchorPath, readAnchor } from './anchor';
import { auditKeyFrom } from './key';
import { instanceId } from './rows';
import { verifyAuditChain, type Anchor } from './verify';

/** An anchor the operator recorded (the server logs each checkpoint): it is for this database. */
function parseAnchor(text: string, instance: string): Anchor {
  const m = /^([1-9][0-9]*):([0-9a-f]{64})$/.exec(text);
  if (!m) throw new Error('--anchor takes ID:HASH (a row id and its 64-hex chain hash)');
  return { through_id: m[1]!, hash: m[2]!, instance_id: instance };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { anchor: { type: 'string' } } });
  const config = loadConfig();
  const master = await loadExistingMasterSecret(config.masterSecret, config.dataDir);
  if (!master)
    throw new Error(
      'no master secret: set OUTPOST_MASTER_SECRET, or OUTPOST_DATA_DIR to the server data directory holding server/master.key',
    );
  const key = auditKeyFrom(master);
  const fromFile =
    values.anchor === undefined ? await readAnchor(anchorPath(config.dataDir), key) : undefined;
  const db = await openDatabase(config);
  try {
    const anchor =
      values.anchor === undefined ? fromFile : parseAnchor(values.anchor, await instanceId(db.pool));
    const report = await verifyAuditChain(db.pool, key, anchor ? { anchor } : {});
    if (report.ok) {
      process.stdout.write(
        `audit chain intact: ${report.rows} rows, ${report.checkpoints} keyed checkpoints, last hash ${report.lastHash}; ` +
          `keyed checkpoint through row ${report.checkpointedThrough ?? 'none'}, ${report.pending} rows after it` +
          `${anchor ? `; reaches anchor row ${anchor.through_id}` : '; no anchor checked'}\n`,
      );
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
