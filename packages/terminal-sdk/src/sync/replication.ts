import type { RxCollection, RxReplicationWriteToMasterRow, WithDeleted } from 'rxdb';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import { Subject } from 'rxjs';
import type { SaleDoc } from '../store';

/**
 * RxDB's replication protocol over the sales collection (docs/sync.md, "Sync on RxDB's
 * replication"). RxDB decides when to push (every local change of a sale, batched, and again after
 * a restart for changes it had not seen answered), when to pull (each RESYNC on the stream), and
 * retries a handler that throws after `retryTime`, which the engine sets to the jittered backoff
 * of the failure before throwing. What travels is the engine's: bundles sealed in the outbox.
 */

/** The pull checkpoint: the server's cursor (opaque; docs/protocol.md). */
export interface PullCheckpoint {
  cursor: string | null;
}

export interface SalesReplicationHandlers {
  /**
   * Called with RxDB's batch of changed sales. The batch only says "sales changed": which sales
   * travel together is decided by the outbox, never by how RxDB split its batches. Resolves with
   * the conflicts (none: the till is the master of its new sales); throws to be retried.
   */
  push(rows: RxReplicationWriteToMasterRow<SaleDoc>[]): Promise<WithDeleted<SaleDoc>[]>;
  /** One pull from the checkpoint RxDB holds; throws to be retried. */
  pull(checkpoint: PullCheckpoint | undefined): Promise<{
    documents: WithDeleted<SaleDoc>[];
    checkpoint: PullCheckpoint;
  }>;
}

export interface SalesReplication {
  readonly state: RxReplicationState<SaleDoc, PullCheckpoint>;
  /** Asks RxDB for a pull now (the interval, a push that got an answer, an enrollment). */
  resync(): void;
  /** The wait before RxDB calls a handler that threw again (the failure's own backoff). */
  retryIn(ms: number): void;
}

/** Bumped only if what the replication's meta records must be forgotten. */
export const REPLICATION_ID = 'outpost-payments-v1';

export function replicateSales(
  collection: RxCollection<SaleDoc>,
  handlers: SalesReplicationHandlers,
  options: { batchSize: number; retryTimeMs: number },
): SalesReplication {
  const stream$ = new Subject<'RESYNC'>();
  const state = replicateRxCollection<SaleDoc, PullCheckpoint>({
    collection,
    replicationIdentifier: REPLICATION_ID,
    live: true,
    retryTime: options.retryTimeMs,
    // One process holds the terminal's database (multiInstance: false): no leader to wait for.
    waitForLeadership: false,
    autoStart: true,
    toggleOnDocumentVisible: false,
    push: { batchSize: options.batchSize, handler: (rows) => handlers.push(rows) },
    pull: {
      batchSize: options.batchSize,
      handler: (checkpoint) => handlers.pull(checkpoint),
      stream$: stream$.asObservable(),
    },
  });
  return {
    state,
    resync: () => stream$.next('RESYNC'),
    retryIn: (ms) => {
      state.retryTime = Math.max(1, Math.round(ms));
    },
  };
}
