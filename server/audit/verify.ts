import type { AuditBreak } from '../../protocol/http';
import type { Queryable } from '../db/tx';
import { GENESIS_HASH } from './chain';
import { checkpointMacValid } from './key';
import {
  BATCH,
  checkpointsBetween,
  foreignAnchor,
  instanceId,
  rowProblem,
  rowsAfter,
  type ChainProblem,
  type StoredCheckpoint,
} from './rows';

/** A chain position recorded outside the database (./anchor.ts): the chain must still reach it. */
export interface Anchor {
  through_id: string;
  hash: string;
  /** server_meta's instance_id of the database the anchor was taken from. */
  instance_id: string;
}

export type ChainReport =
  | {
      ok: true;
      rows: number;
      lastHash: string;
      /** The last row pinned by a keyed checkpoint (null: none yet). */
      checkpointedThrough: string | null;
      /** Rows after it: their content is keyed, their order is pinned by the next checkpoint. */
      pending: number;
      /** Keyed checkpoints met on the walk, each MAC and hash checked. */
      checkpoints: number;
    }
  | { ok: false; rows: number; brokenId: string; code: AuditBreak; reason: string };

type Broken = Extract<ChainReport, { ok: false }>;

/**
 * Walks the whole chain in id order and reports the first row that is wrong: a hash or link that
 * does not hold, a keyed MAC that does not match, a row without a MAC that no keyed checkpoint
 * covers, a row that differs from its keyed checkpoint or is missing under one, a replayed row, or
 * a chain that no longer reaches `anchor`. Needs the audit key (./key.ts).
 */
export async function verifyAuditChain(
  db: Queryable,
  key: Buffer,
  options: { anchor?: Anchor } = {},
): Promise<ChainReport> {
  let prev = GENESIS_HASH;
  let after = '0';
  let count = 0;
  let keyed = false;
  let checkpointed: string | null = null;
  let pending = 0;
  let pinned = 0;
  let anchorSeen = false;
  const broken = (brokenId: string, { code, reason }: ChainProblem): Broken => ({
    ok: false,
    rows: count,
    brokenId,
    code,
    reason,
  });
  if (options.anchor) {
    const foreign = foreignAnchor(options.anchor, await instanceId(db));
    if (foreign) return broken(options.anchor.through_id, foreign);
  }

  for (;;) {
    const rows = await rowsAfter(db, after);
    const last = rows.length === BATCH ? rows[rows.length - 1]!.id : undefined;
    const checkpoints = new Map<string, StoredCheckpoint>();
    for (const cp of await checkpointsBetween(db, after, last)) {
      if (!checkpointMacValid(key, cp.through_id, cp.hash, cp.mac))
        return broken(cp.through_id, {
          code: 'checkpoint_forged',
          reason: 'the keyed checkpoint of this row was forged or altered',
        });
      checkpoints.set(cp.through_id, cp);
    }
    for (const row of rows) {
      count++;
      const problem = rowProblem(row, prev, key);
      if (problem) return broken(row.id, problem);
      if (row.row_mac !== null) keyed = true;
      else if (keyed)
        return broken(row.id, {
          code: 'unkeyed_after_keyed',
          reason: 'a row without a keyed MAC after keyed rows (added behind the server)',
        });
      else if (!checkpoints.has(row.id))
        return broken(row.id, {
          code: 'unkeyed_uncovered',
          reason: 'a row without a keyed MAC that no keyed checkpoint covers',
        });
      const cp = checkpoints.get(row.id);
      if (cp) {
        checkpoints.delete(row.id);
        if (cp.hash !== row.hash)
          return broken(row.id, {
            code: 'checkpoint_differs',
            reason: `the chain up to this row differs from its keyed checkpoint: rows after ${checkpointed ?? 'the start'} were removed, inserted or reordered`,
          });
        checkpointed = row.id;
        pending = 0;
        pinned++;
      } else pending++;
      if (options.anchor && row.id === options.anchor.through_id) {
        if (row.hash !== options.anchor.hash)
          return broken(row.id, {
            code: 'anchor_differs',
            reason: 'the chain up to this row differs from the anchor kept outside the database',
          });
        anchorSeen = true;
      }
      prev = row.hash;
      after = row.id;
    }
    // A checkpoint left over names a row the walk did not meet: removed.
    const orphan = checkpoints.keys().next();
    if (!orphan.done)
      return broken(orphan.value, {
        code: 'checkpoint_row_missing',
        reason: 'this row, pinned by a keyed checkpoint, is missing (removed)',
      });
    if (last === undefined) break;
  }
  if (options.anchor && !anchorSeen)
    return broken(options.anchor.through_id, {
      code: 'anchor_row_missing',
      reason: 'this row, recorded in the anchor outside the database, is missing (the log was truncated)',
    });
  const { rows: replayed } = await db.query<{ id: string }>(
    `SELECT max(id)::text AS id FROM offline_audit_logs WHERE row_nonce IS NOT NULL
     GROUP BY row_nonce HAVING count(*) > 1 ORDER BY max(id) LIMIT 1`,
  );
  if (replayed[0])
    return broken(replayed[0].id, {
      code: 'row_replayed',
      reason: 'this row replays an earlier row (same nonce)',
    });
  return {
    ok: true,
    rows: count,
    lastHash: prev,
    checkpointedThrough: checkpointed,
    pending,
    checkpoints: pinned,
  };
}
