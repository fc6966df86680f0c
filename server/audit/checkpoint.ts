import type pg from 'pg';
import { withTransaction } from '../db/tx';
import type { Logger } from '../logger';
import { writeAnchor } from './anchor';
import { appendAudit, GENESIS_HASH } from './chain';
import { checkpointMac, checkpointMacValid } from './key';
import { BATCH, foreignAnchor, instanceId, rowProblem, rowsAfter } from './rows';
import type { Anchor } from './verify';

export class AuditChainBroken extends Error {
  constructor(
    readonly rowId: string,
    readonly reason: string,
  ) {
    super(`audit chain broken at row id ${rowId}: ${reason}`);
  }
}

export interface Checkpointer {
  /** Checks the rows since the last checkpoint and pins the head; refuses (throws) a broken chain. */
  run(): Promise<{ through: string | null; legacy: number }>;
  /** The newest checkpoint this process wrote or was given (the anchor). */
  readonly anchor: Anchor | undefined;
}

/**
 * Writes keyed checkpoints (./key.ts checkpointMac) of the chain's head, so rows cannot later be
 * removed, inserted or reordered before it. It never pins what it has not checked: the rows since
 * the previous checkpoint must link, hash and carry valid MACs first, and the previous checkpoint
 * must still be the newest one and match its row (with `anchor`, the one this server last wrote).
 *
 * The first run on a log written before it was keyed (no checkpoint yet) checks those legacy rows'
 * unkeyed chain, pins each with its own checkpoint (so audit:verify names the exact row altered
 * later), and records that in the log as `audit.keyed`.
 */
export function auditCheckpointer(options: {
  pool: pg.Pool;
  key: Buffer;
  /** The anchor file (./anchor.ts); undefined: none (tests). */
  anchorFile?: string;
  /** The anchor read at start, if any. */
  anchor?: Anchor;
  logger?: Logger;
}): Checkpointer {
  const { pool, key } = options;
  let anchor = options.anchor;
  // One run at a time in this process: two would check the same rows twice, harmlessly but wastefully.
  let running: Promise<{ through: string | null; legacy: number }> | undefined;

  async function once(): Promise<{ through: string | null; legacy: number }> {
    const instance = await instanceId(pool);
    const foreign = anchor && foreignAnchor(anchor, instance);
    if (anchor && foreign) throw new AuditChainBroken(anchor.through_id, foreign.reason);
    const { rows: newest } = await pool.query<{ through_id: string; hash: string; mac: string }>(
      'SELECT c.through_id::text AS through_id, hash, mac FROM offline_audit_checkpoints c ORDER BY c.through_id DESC LIMIT 1',
    );
    const last = newest[0];
    let prev = GENESIS_HASH;
    let after = '0';
    if (last) {
      if (!checkpointMacValid(key, last.through_id, last.hash, last.mac))
        throw new AuditChainBroken(last.through_id, 'the newest keyed checkpoint was forged or altered');
      const { rows } = await pool.query<{ hash: string }>(
        'SELECT hash FROM offline_audit_logs WHERE id = $1',
        [last.through_id],
      );
      if (rows[0]?.hash !== last.hash)
        throw new AuditChainBroken(
          last.through_id,
          'the row of the newest checkpoint was removed or rewritten',
        );
      prev = last.hash;
      after = last.through_id;
    }
    if (anchor && BigInt(anchor.through_id) > BigInt(after))
      throw new AuditChainBroken(
        anchor.through_id,
        'checkpoints up to this row, written by this server, are gone from the database (the log was truncated)',
      );

    const legacy: Array<{ id: string; hash: string }> = [];
    let keyed = false;
    for (;;) {
      const rows = await rowsAfter(pool, after);
      for (const row of rows) {
        const problem = rowProblem(row, prev, key);
        if (problem) throw new AuditChainBroken(row.id, problem.reason);
        if (row.row_mac !== null) keyed = true;
        // Unkeyed rows are taken only on the first run, before any keyed row: after that, one is forged.
        else if (last || keyed) throw new AuditChainBroken(row.id, 'a row without a keyed MAC');
        else legacy.push({ id: row.id, hash: row.hash });
        prev = row.hash;
        after = row.id;
      }
      if (rows.length < BATCH) break;
    }
    if (last && after === last.through_id) return { through: after, legacy: 0 };
    if (!last && after === '0') return { through: null, legacy: 0 };

    const pins = [...legacy, { id: after, hash: prev }];
    for (let i = 0; i < pins.length; i += BATCH) {
      const part = pins.slice(i, i + BATCH);
      await pool.query(
        `INSERT INTO offline_audit_checkpoints (through_id, hash, mac)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) ON CONFLICT (through_id) DO NOTHING`,
        [part.map((p) => p.id), part.map((p) => p.hash), part.map((p) => checkpointMac(key, p.id, p.hash))],
      );
    }
    if (legacy.length > 0) {
      await withTransaction(pool, (client) =>
        appendAudit(client, {
          actorType: 'system',
          action: 'audit.keyed',
          targetType: 'audit_log',
          details: { legacy_rows: legacy.length, through_id: after, through_hash: prev },
        }),
      );
      options.logger?.info({ legacyRows: legacy.length, throughId: after }, 'audit log keyed');
    }
    anchor = { through_id: after, hash: prev, instance_id: instance };
    if (options.anchorFile) await writeAnchor(options.anchorFile, key, anchor);
    // Shipped logs are a second place outside the database: `audit:verify --anchor ID:HASH`.
    options.logger?.info({ throughId: after, hash: prev }, 'audit checkpoint');
    return { through: after, legacy: legacy.length };
  }

  return {
    run() {
      running ??= once().finally(() => {
        running = undefined;
      });
      return running;
    },
    get anchor() {
      return anchor;
    },
  };
}
