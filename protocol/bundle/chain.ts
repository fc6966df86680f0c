import { hash } from 'node:crypto';
import { canonicalJson } from '../crypto/canonical';
import { GENESIS_HASH } from './constants';
import type { Sale } from './sale';

/** SHA-256 of the sale's RFC 8785 bytes, base64url: what the next sale's prev_hash must hold. */
export function saleHash(sale: Sale): string {
  // One-shot: a Hash object per sale cost more than hashing its few hundred bytes (the server hashes
  // every sale of every bundle). A string is hashed as its UTF-8 bytes.
  return hash('sha256', canonicalJson(sale), 'base64url');
}

/** The last link a chain continues from: seq 0 and GENESIS_HASH before a device's first sale. */
export interface ChainHead {
  seq: number;
  hash: string;
}

export const GENESIS_HEAD: ChainHead = { seq: 0, hash: GENESIS_HASH };

export type ChainResult =
  | { ok: true; head: ChainHead }
  | {
      ok: false;
      code: 'SEQUENCE_GAP' | 'CHAIN_BROKEN';
      /** Index in `sales` of the first sale that does not follow. */
      index: number;
      expected: number | string;
      actual: number | string;
    };

/**
 * Checks that `sales` continue `previous` with no gap, reordering, duplicate or edited sale, and
 * reports the first one that does not. A seq gap is reported before a hash break on the same sale
 * because a missing sale is the likelier story and the one the server can ask the device about.
 */
export function verifyChain(sales: readonly Sale[], previous: ChainHead): ChainResult {
  let head = previous;
  for (const [index, sale] of sales.entries()) {
    if (sale.seq !== head.seq + 1)
      return { ok: false, code: 'SEQUENCE_GAP', index, expected: head.seq + 1, actual: sale.seq };
    if (sale.prev_hash !== head.hash)
      return { ok: false, code: 'CHAIN_BROKEN', index, expected: head.hash, actual: sale.prev_hash };
    head = { seq: sale.seq, hash: saleHash(sale) };
  }
  return { ok: true, head };
}
