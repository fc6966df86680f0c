import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../../protocol/crypto';
import { deriveKey } from '../keys/master-secret';

/**
 * The audit log's key: derived from the master secret, so it lives only in the memory of processes
 * that hold that secret (server, `npm run worker`, the admin and audit CLIs) and never in the
 * database. Whoever can write the database but lacks it cannot make a row or a checkpoint verify.
 */
export function auditKeyFrom(masterSecret: Buffer): Buffer {
  return deriveKey(masterSecret, 'audit-log');
}

/**
 * The key appendAudit uses in this process. One per process: appendAudit is called from ~25 places
 * with only a database client in hand, and every process that appends serves one deployment (one
 * master secret). Each entry point installs it (trust-base.ts, worker/main.ts, the CLIs) before it
 * appends; the last installed wins, which matters only to tests that start servers one after another.
 */
let installed: Buffer | undefined;

export function installAuditKey(masterSecret: Buffer): Buffer {
  installed = auditKeyFrom(masterSecret);
  return installed;
}

export class AuditKeyMissing extends Error {
  constructor() {
    super('the audit key is not loaded in this process: load the master secret (installAuditKey) first');
  }
}

/** Fails closed: an unkeyed row would be indistinguishable from one forged in the database. */
export function currentAuditKey(): Buffer {
  if (!installed) throw new AuditKeyMissing();
  return installed;
}

/** What a row's MAC covers: its content, chain and nonce, not its id or place in the chain. */
export interface MacedContent {
  /** '' (rows from before chains): left out, so those rows' MACs stand. */
  chain: string;
  at: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Record<string, unknown>;
  row_nonce: string;
}

function hmac(key: Buffer, value: unknown): string {
  return createHmac('sha256', key).update(canonicalJson(value)).digest('hex');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function rowMac(key: Buffer, { chain, ...row }: MacedContent): string {
  return hmac(key, { v: 2, kind: 'audit-row', ...(chain === '' ? {} : { chain }), ...row });
}

export function rowMacValid(key: Buffer, row: MacedContent, mac: string): boolean {
  return same(rowMac(key, row), mac);
}

/**
 * A checkpoint's MAC: the chain hash at `throughId` covers every row of its chain up to it. seq
 * (null only on checkpoints from before chains, MAC'd as then) numbers checkpoints without gaps.
 */
export interface CheckpointFields {
  chain: string;
  through_id: string;
  hash: string;
  seq: string | null;
}

export function checkpointMac(key: Buffer, cp: CheckpointFields): string {
  if (cp.seq === null)
    return hmac(key, { v: 1, kind: 'audit-checkpoint', through_id: cp.through_id, hash: cp.hash });
  const { chain, through_id, hash, seq } = cp;
  return hmac(key, { v: 2, kind: 'audit-checkpoint', chain, through_id, hash, seq });
}

export function checkpointMacValid(key: Buffer, cp: CheckpointFields, mac: string): boolean {
  return same(checkpointMac(key, cp), mac);
}

/** The anchor kept outside the database (./anchor.ts): a checkpoint bound to one database instance. */
export function anchorMac(
  key: Buffer,
  anchor: { through_id: string; hash: string; instance_id: string },
): string {
  return hmac(key, { v: 1, kind: 'audit-anchor', ...anchor });
}

export function anchorMacValid(
  key: Buffer,
  anchor: { through_id: string; hash: string; instance_id: string },
  mac: string,
): boolean {
  return same(anchorMac(key, anchor), mac);
}
