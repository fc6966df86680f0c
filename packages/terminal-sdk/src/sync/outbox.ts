import { ApiError } from '../../../../protocol/api';
import type { ChainHead } from '../../../../protocol/bundle/chain';
import type { BundleEnvelope } from '../../../../protocol/bundle/envelope';
import type { Sale } from '../../../../protocol/bundle/sale';
import type { BundleStatus } from '../../../../protocol/http/payments';
import { STATE_OF_ANSWER, STATE_RANK } from '../../../../protocol/states';
import type { OutboxDoc, SaleDoc } from '../store';

/*
 * Building and holding bundles, as pure functions: which recorded sales go into the next bundle,
 * the outbox record that holds its envelope, and how a server answer moves the record and its sales
 * (forward only). sync-service.ts reads and writes the store around these.
 */

/** Rank of each status: a sale or bundle never moves back to a lower one (protocol/states.ts). */
const RANK: Record<string, number> = STATE_RANK;

/**
 * The sales of the next bundle: the unbroken run of seqs right after `after` among `docs` (sorted
 * by seq). Empty when nothing follows; SEQUENCE_GAP when sales follow but `after + 1` is missing,
 * SALE_LEGACY for a sale recorded before sales were signed.
 */
export function nextBundleSales(docs: readonly SaleDoc[], after: number): Sale[] {
  const run: SaleDoc[] = [];
  for (const d of docs) {
    if (d.seq !== after + run.length + 1) break;
    run.push(d);
  }
  if (run.length === 0 && docs.length > 0)
    throw new ApiError(
      'SEQUENCE_GAP',
      `Sale ${after + 1} is missing on this terminal: sync cannot continue.`,
    );
  return run.map((d) => {
    if (!d.record) throw new ApiError('SALE_LEGACY', `Sale ${d.seq} was recorded before sales were signed.`);
    return JSON.parse(d.record) as Sale;
  });
}

/**
 * Where the next bundle continues: the last bundle's head, or, when the next sale held follows a run
 * a rollback erased (the store lost it, the keychain saw it), that run's head: the gap is the
 * server's to see, never a reason for this till to stop pushing.
 */
export function continueAfter(
  last: ChainHead,
  nextSeq: number | undefined,
  lost: readonly ChainHead[],
): ChainHead {
  if (nextSeq === undefined || nextSeq === last.seq + 1) return last;
  return lost.find((h) => h.seq > last.seq && h.seq + 1 === nextSeq) ?? last;
}

/** The outbox record of a built bundle, written before it is ever sent. */
export function outboxRecord(
  envelope: BundleEnvelope,
  deviceId: string,
  prevChainHead: string,
  now: number,
): OutboxDoc {
  return {
    bundleId: envelope.bundle_id,
    deviceId,
    seqFrom: envelope.seq_from,
    seqTo: envelope.seq_to,
    prevChainHead,
    chainHead: envelope.chain_head,
    envelope: JSON.stringify(envelope),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: 0,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The patch a server answer makes to an outbox record now in `current`: the answer's state when
 * it is not lower, else only the attempt count (when given); null when nothing changes.
 */
export function outcomePatch(
  current: OutboxDoc['status'],
  status: BundleStatus,
  attempts: number | undefined,
  now: number,
): Partial<OutboxDoc> | null {
  const next = STATE_OF_ANSWER[status];
  if ((RANK[next] ?? 0) >= (RANK[current] ?? 0) && next !== current)
    return {
      status: next,
      nextAttemptAt: 0,
      updatedAt: now,
      ...(attempts === undefined ? {} : { attempts }),
    };
  if (attempts !== undefined) return { attempts, updatedAt: now };
  return null;
}

/**
 * The sales of a seq range that move to `status`: those it ranks above, and (when a bundle id is
 * given) those already there but not yet in a bundle. Never back; reasons cut to the stored size.
 */
export function salesMovedTo(
  docs: readonly SaleDoc[],
  status: SaleDoc['status'],
  now: number,
  reason?: string,
  bundleId?: string,
): SaleDoc[] {
  return docs
    .filter(
      (d) => (RANK[status] ?? 0) > (RANK[d.status] ?? 0) || (status === d.status && bundleId && !d.bundleId),
    )
    .map((d) => ({
      ...d,
      status,
      updatedAt: now,
      ...(reason ? { statusReason: reason.slice(0, 64) } : {}),
      ...(bundleId ? { bundleId } : {}),
    }));
}
