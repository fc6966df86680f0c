import { createHash, randomBytes } from 'node:crypto';
import { canonicalJson } from '../../protocol/crypto';
import type { Queryable } from '../db/tx';
import { currentAuditKey, rowMac } from './key';

/** The chain's first prev_hash. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Who did it: always an authenticated principal (a signed-in user, a device whose signature
 * verified) or the server itself. There is no anonymous actor: requests that fail authentication
 * are counted in metrics (outpost_auth_failures_total), never written here, so a stranger can neither
 * grow the log nor contend its lock, and no row names an actor taken from a request body.
 */
export type ActorType = 'user' | 'device' | 'system';

export interface AuditEntry {
  actorType: ActorType;
  /** The authenticated principal's id (user id, device id from the verified signature), or a worker id. */
  actorId?: string | null;
  /** Dotted verb, e.g. `auth.sign_in`, `device.registered`, `bundle.accepted`. */
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  /** Plain facts only: never secrets, tokens, keys, passwords or card numbers. */
  details?: Record<string, unknown>;
  /**
   * The chain the row links into (auditChain's default: who acted). Set it only to keep one
   * transaction on one chain, e.g. a system step inside a device's push.
   */
  chain?: string;
}

/**
 * The chain of an entry: one per actor, so a till's push waits only for that till's other writes,
 * and a worker's steps only for that worker's. '' is the single chain rows had before chains
 * existed (migration 1796489121697), never used for new rows.
 */
export function auditChain(entry: Pick<AuditEntry, 'actorType' | 'actorId' | 'chain'>): string {
  return entry.chain ?? `${entry.actorType}:${entry.actorId ?? ''}`;
}

export interface AuditRow {
  id: string;
  /** '' on rows written before chains (hashed without it, as then). */
  chain: string;
  at: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
}

/** The keyed part (./key.ts); null on rows written before the log was keyed. */
export interface RowKeying {
  row_mac: string | null;
  row_nonce: string | null;
}

/** SHA-256 over the canonical JSON of every field but the hash itself (the chain's name included). */
export function auditHash(row: AuditRow): string {
  const value = {
    v: 1,
    ...(row.chain === '' ? {} : { chain: row.chain }),
    id: row.id,
    at: row.at,
    actor_type: row.actor_type,
    actor_id: row.actor_id,
    action: row.action,
    target_type: row.target_type,
    target_id: row.target_id,
    details: row.details,
    prev_hash: row.prev_hash,
  };
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** Stands in for id and prev_hash while the canonical JSON is split around them. */
const HOLE = '@';
const LINK = `"id":"${HOLE}","prev_hash":"${HOLE}"`;

/**
 * The canonical JSON of the row (auditHash's input) split around its id and prev_hash values, which
 * only the lock holder knows; offline_audit_append pastes them in. id and prev_hash are adjacent
 * keys in canonical order (chain sorts before them), and the link is searched from the end: details (the only place a caller
 * controls) comes before it, and target ids after it are strings whose quotes are escaped.
 */
export function auditTemplate({ chain, ...row }: Omit<AuditRow, 'id' | 'prev_hash'>): {
  head: string;
  tail: string;
} {
  const text = canonicalJson({ v: 1, ...(chain === '' ? {} : { chain }), ...row, id: HOLE, prev_hash: HOLE });
  const at = text.lastIndexOf(LINK);
  if (at < 0) throw new Error('audit template: id and prev_hash are not adjacent');
  return { head: text.slice(0, at) + '"id":', tail: text.slice(at + LINK.length) };
}

/**
 * The one statement that appends `entry`; push.ts sends COMMIT right behind it. The row's MAC is
 * computed here, before the statement, because it covers only the content and a fresh nonce: the
 * key never goes to the database and the append stays one round trip under the chain lock.
 */
export function auditStatement(entry: AuditEntry): { text: string; values: unknown[] } {
  const key = currentAuditKey();
  const row = {
    // Millisecond precision: what a JS Date carries, so the stored value reads back identically.
    at: new Date().toISOString(),
    actor_type: entry.actorType,
    actor_id: entry.actorId ?? null,
    action: entry.action,
    target_type: entry.targetType ?? null,
    target_id: entry.targetId ?? null,
    details: entry.details ?? {},
  };
  const chain = auditChain(entry);
  const { head, tail } = auditTemplate({ chain, ...row });
  const nonce = randomBytes(16).toString('hex');
  return {
    text: 'SELECT audit_id::text AS id, audit_hash AS hash FROM offline_audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)',
    values: [
      chain,
      row.at,
      row.actor_type,
      row.actor_id,
      row.action,
      row.target_type,
      row.target_id,
      JSON.stringify(row.details),
      head,
      tail,
      rowMac(key, { ...row, chain, row_nonce: nonce }),
      nonce,
    ],
  };
}

/**
 * Appends one entry to the audit chain. Call it with the client of the transaction that does the
 * audited work, so both commit or neither does. offline_audit_append (migration 1796489121697)
 * locks the head row of the entry's chain until that transaction ends: each row links to the one
 * committed before it in its chain, and ids follow that chain's order. Writers of other chains do
 * not wait. Hold it briefly: append last, then commit. Two appends on two chains in one
 * transaction take two locks; keep such transactions rare (they may deadlock with the reverse
 * order, which PostgreSQL breaks by aborting one).
 */
export async function appendAudit(
  client: Queryable,
  entry: AuditEntry,
): Promise<{ id: string; hash: string }> {
  const { text, values } = auditStatement(entry);
  const { rows } = await client.query<{ id: string; hash: string }>(text, values);
  return rows[0]!;
}
