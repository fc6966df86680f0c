import type { AuditBreak } from '../../protocol/http';
import type { Queryable } from '../db/tx';
import { GENESIS_HASH } from './chain';
import { checkpointMacValid } from './key';
import {
  BATCH,
  checkpointGap,
  checkpointsBetween,
  foreignAnchor,
  instanceId,
  rowProblem,
  rowsAfter,
  WALK_START,
  type ChainProblem,
  type StoredCheckpoint,
  type WalkKey,
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
      /** The row of the newest keyed checkpoint (null: none yet). */
      checkpointedThrough: string | null;
      /** Rows after their chain's newest checkpoint: content keyed, order pinned by the next one. */
      pending: number;
      /** Keyed checkpoints met on the walk, each MAC and hash checked. */
      checkpoints: number;
    }
  | { ok: false; rows: number; brokenId: string; code: AuditBreak; reason: string };

type Broken = Extract<ChainReport, { ok: false }>;

/**
 * Walks every chain of the log, each in id order, and reports the first row that is wrong: a hash
 * or link that does not hold, a keyed MAC that does not match, a row without a MAC that no keyed
 * checkpoint covers, a row that differs from its keyed checkpoint or is missing under one, a
 * checkpoint missing from the numbered sequence (a chain removed whole), a replayed row, or a log
 * that no longer reaches `anchor`. Needs the audit key (./key.ts).
 */
export async function verifyAuditChain(
  db: Queryable,
  key: Buffer,
  options: { anchor?: Anchor } = {},
): Promise<ChainReport> {
  let prev = GENESIS_HASH;
  let chain: string | undefined;
  let after: WalkKey = WALK_START;
  let count = 0;
  let keyed = false;
  let checkpointed: { seq: bigint; id: string } | null = null;
  // Rows after the newest checkpoint of their chain: the finished chains', and this one's.
  let pending = 0;
  let chainPending = 0;
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

  // Chain by chain, each from its first row: a chain's rows link only to each other.
  for (;;) {
    const rows = await rowsAfter(db, after);
    const tail = rows[rows.length - 1];
    const last = rows.length === BATCH && tail ? { chain: tail.chain, id: tail.id } : undefined;
    const checkpoints = new Map<string, StoredCheckpoint>();
    for (const cp of await checkpointsBetween(db, after, last)) {
      if (!checkpointMacValid(key, cp, cp.mac))
        return broken(cp.through_id, {
          code: 'checkpoint_forged',
          reason: 'the keyed checkpoint of this row was forged or altered',
        });
      checkpoints.set(cp.through_id, cp);
    }
    for (const row of rows) {
      count++;
      if (row.chain !== chain) {
        chain = row.chain;
        prev = GENESIS_HASH;
        keyed = false;
        pending += chainPending;
        chainPending = 0;
      }
      const problem = rowProblem(row, prev, key);
      if (problem) return broken(row.id, problem);
      if (row.row_mac !== null) keyed = true;
      // Only the chain from before the key ('') may hold unkeyed rows, each pinned by a checkpoint.
      else if (keyed || row.chain !== '')
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
        if (cp.hash !== row.hash || cp.chain !== row.chain)
          return broken(row.id, {
            code: 'checkpoint_differs',
            reason: `the chain ${JSON.stringify(row.chain)} up to this row differs from its keyed checkpoint: earlier rows of it were removed, inserted or reordered`,
          });
        const seq = BigInt(cp.seq ?? 0);
        if (!checkpointed || seq > checkpointed.seq) checkpointed = { seq, id: row.id };
        pinned++;
        chainPending = 0;
      } else chainPending++;
      if (options.anchor && row.id === options.anchor.through_id) {
        if (row.hash !== options.anchor.hash)
          return broken(row.id, {
            code: 'anchor_differs',
            reason: 'the chain up to this row differs from the anchor kept outside the database',
          });
        anchorSeen = true;
      }
      prev = row.hash;
      after = { chain: row.chain, id: row.id };
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
  const gap = await checkpointGap(db);
  if (gap)
    return broken(gap.next, {
      code: 'checkpoint_missing',
      reason: `keyed checkpoint number ${gap.seq}, before the one of this row, is missing (removed, with the rows it pinned or not)`,
    });
  pending += chainPending;
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
    checkpointedThrough: checkpointed?.id ?? null,
    pending,
    checkpoints: pinned,
  };
}
