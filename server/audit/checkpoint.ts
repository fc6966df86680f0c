import type pg from 'pg';
import { withTransaction } from '../db/tx';
import type { Logger } from '../logger';
import { writeAnchor } from './anchor';
import { appendAudit, GENESIS_HASH } from './chain';
import { checkpointMac, checkpointMacValid } from './key';
import {
  BATCH,
  chainRowsAfter,
  foreignAnchor,
  instanceId,
  lastCheckpoint,
  rowProblem,
  type StoredCheckpoint,
} from './rows';
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

/** A row to pin: its chain, id and chain hash. */
interface Pin {
  chain: string;
  id: string;
  hash: string;
}

/**
 * Writes keyed checkpoints (./key.ts checkpointMac) of each chain's head, so rows cannot later be
 * removed, inserted or reordered before it. It never pins what it has not checked: a chain's rows
 * since its previous checkpoint must link, hash and carry valid MACs first, and that checkpoint
 * must match its row. Checkpoints are numbered (seq) without gaps; the anchor outside the database
 * names the newest this server wrote, which must still be there.
 *
 * Each chain is read by id after its checkpoint: within a chain, ids are in commit order (the head
 * row's lock, migration 1796489121697), so what this snapshot sees of a chain is a prefix of it,
 * whatever other chains commit meanwhile.
 *
 * The first run on a log written before it was keyed (chain '', no checkpoint yet) checks those
 * legacy rows' unkeyed chain, pins each with its own checkpoint (so audit:verify names the exact
 * row altered later), and records that in the log as `audit.keyed`.
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

  /** Refuses a checkpoint whose MAC or row does not hold. */
  async function checkedCheckpoint(cp: StoredCheckpoint): Promise<void> {
    if (!checkpointMacValid(key, cp, cp.mac))
      throw new AuditChainBroken(cp.through_id, 'the newest keyed checkpoint was forged or altered');
    const { rows } = await pool.query<{ hash: string }>(
      'SELECT hash FROM offline_audit_logs WHERE id = $1 AND chain = $2',
      [cp.through_id, cp.chain],
    );
    if (rows[0]?.hash !== cp.hash)
      throw new AuditChainBroken(cp.through_id, 'the row of the newest checkpoint was removed or rewritten');
  }

  /** The rows of `chain` after its newest checkpoint, checked: what to pin, and the legacy rows. */
  async function checkChain(chain: string): Promise<{ pins: Pin[]; legacy: number }> {
    const last = await lastCheckpoint(pool, chain);
    let prev = GENESIS_HASH;
    let after = '0';
    if (last) {
      await checkedCheckpoint(last);
      prev = last.hash;
      after = last.through_id;
    }
    const pins: Pin[] = [];
    let keyed = false;
    for (;;) {
      const rows = await chainRowsAfter(pool, chain, after);
      for (const row of rows) {
        const problem = rowProblem(row, prev, key);
        if (problem) throw new AuditChainBroken(row.id, problem.reason);
        if (row.row_mac !== null) keyed = true;
        // Unkeyed rows are taken only from the legacy chain, on the first run, before any keyed row.
        else if (chain !== '' || last || keyed)
          throw new AuditChainBroken(row.id, 'a row without a keyed MAC');
        else pins.push({ chain, id: row.id, hash: row.hash });
        prev = row.hash;
        after = row.id;
      }
      if (rows.length < BATCH) break;
    }
    const legacy = pins.length;
    if (after !== (last?.through_id ?? '0') && pins[pins.length - 1]?.id !== after)
      pins.push({ chain, id: after, hash: prev });
    return { pins, legacy };
  }

  async function once(): Promise<{ through: string | null; legacy: number }> {
    const instance = await instanceId(pool);
    const foreign = anchor && foreignAnchor(anchor, instance);
    if (anchor && foreign) throw new AuditChainBroken(anchor.through_id, foreign.reason);
    if (anchor) {
      const { rows } = await pool.query<{ hash: string }>(
        'SELECT hash FROM offline_audit_checkpoints WHERE through_id = $1',
        [anchor.through_id],
      );
      if (rows[0]?.hash !== anchor.hash)
        throw new AuditChainBroken(
          anchor.through_id,
          'checkpoints up to this row, written by this server, are gone from the database (the log was truncated)',
        );
    }
    // The newest checkpoint must still hold, even when no chain moved since.
    const { rows: top } = await pool.query<StoredCheckpoint>(
      `SELECT c.chain, c.through_id::text AS through_id, c.hash, c.seq::text AS seq, c.mac
       FROM offline_audit_checkpoints c ORDER BY c.seq DESC NULLS LAST, c.through_id DESC LIMIT 1`,
    );
    if (top[0]) await checkedCheckpoint(top[0]);
    // Chains whose head moved past their newest checkpoint (the head table is only a hint of where
    // to look: every row found is checked against the checkpoint, not against it).
    const { rows: moved } = await pool.query<{ chain: string }>(
      `SELECT h.chain FROM offline_audit_heads h
       WHERE h.head_id > coalesce((SELECT max(c.through_id) FROM offline_audit_checkpoints c WHERE c.chain = h.chain), 0)
       UNION
       -- The chain from before chains has no head until the migration saw rows; check it anyway.
       SELECT '' WHERE EXISTS (SELECT 1 FROM offline_audit_logs a WHERE a.chain = ''
         AND a.id > coalesce((SELECT max(c.through_id) FROM offline_audit_checkpoints c WHERE c.chain = ''), 0))
       ORDER BY chain`,
    );
    const pins: Pin[] = [];
    let legacy = 0;
    for (const { chain } of moved) {
      const checked = await checkChain(chain);
      pins.push(...checked.pins);
      legacy += checked.legacy;
    }
    if (pins.length === 0) return { through: anchor?.through_id ?? (await newestPinned()), legacy: 0 };

    const newest = await writeCheckpoints(pins);
    if (legacy > 0) {
      await withTransaction(pool, (client) =>
        appendAudit(client, {
          actorType: 'system',
          action: 'audit.keyed',
          targetType: 'audit_log',
          details: { legacy_rows: legacy, through_id: newest.id, through_hash: newest.hash },
        }),
      );
      options.logger?.info({ legacyRows: legacy, throughId: newest.id }, 'audit log keyed');
    }
    anchor = { through_id: newest.id, hash: newest.hash, instance_id: instance };
    if (options.anchorFile) await writeAnchor(options.anchorFile, key, anchor);
    // Shipped logs are a second place outside the database: `audit:verify --anchor ID:HASH`.
    options.logger?.info(
      { throughId: newest.id, hash: newest.hash, chains: moved.length },
      'audit checkpoint',
    );
    return { through: newest.id, legacy };
  }

  async function newestPinned(): Promise<string | null> {
    const { rows } = await pool.query<{ id: string }>(
      'SELECT through_id::text AS id FROM offline_audit_checkpoints ORDER BY seq DESC NULLS LAST, through_id DESC LIMIT 1',
    );
    return rows[0]?.id ?? null;
  }

  /**
   * Numbers and inserts `pins` after the newest checkpoint; returns the one numbered last. The
   * table lock makes two checkpointers (two servers) take turns, so numbers have no gap and
   * none is pinned twice; it conflicts with nothing the hot path does.
   */
  async function writeCheckpoints(pins: Pin[]): Promise<Pin> {
    return withTransaction(pool, async (client) => {
      await client.query('LOCK TABLE offline_audit_checkpoints IN SHARE ROW EXCLUSIVE MODE');
      const { rows: done } = await client.query<{ id: string }>(
        'SELECT through_id::text AS id FROM offline_audit_checkpoints WHERE through_id = ANY($1::bigint[])',
        [pins.map((p) => p.id)],
      );
      const skip = new Set(done.map((d) => d.id));
      const fresh = pins.filter((p) => !skip.has(p.id));
      const { rows: top } = await client.query<{ seq: string }>(
        'SELECT coalesce(max(seq), 0)::text AS seq FROM offline_audit_checkpoints',
      );
      let seq = BigInt(top[0]!.seq);
      const rows = fresh.map((p) => {
        seq += 1n;
        const cp = { chain: p.chain, through_id: p.id, hash: p.hash, seq: seq.toString() };
        return { ...cp, mac: checkpointMac(key, cp) };
      });
      for (let i = 0; i < rows.length; i += BATCH) {
        const part = rows.slice(i, i + BATCH);
        await client.query(
          `INSERT INTO offline_audit_checkpoints (chain, through_id, hash, seq, mac)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::text[])`,
          [
            part.map((r) => r.chain),
            part.map((r) => r.through_id),
            part.map((r) => r.hash),
            part.map((r) => r.seq),
            part.map((r) => r.mac),
          ],
        );
      }
      // Another server pinned them all first: the anchor names the newest there is.
      const last = rows[rows.length - 1];
      if (last) return { chain: last.chain, id: last.through_id, hash: last.hash };
      const { rows: newest } = await client.query<Pin>(
        'SELECT chain, through_id::text AS id, hash FROM offline_audit_checkpoints ORDER BY seq DESC NULLS LAST LIMIT 1',
      );
      return newest[0]!;
    });
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
