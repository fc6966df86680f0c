import type { KeyObject } from 'node:crypto';
import type { RxCollection } from 'rxdb';
import type { Observable } from 'rxjs';
import { z } from 'zod';
import type { ApiError } from '../../../../protocol/api';
import type { ChainHead } from '../../../../protocol/bundle/chain';
import { PaymentsPullResponse } from '../../../../protocol/http/payments';
import type { EnrollmentRecord } from '../device/enrollment';
import type { DeviceIdentity } from '../device/identity';
import type { CatalogItemDoc, OutboxDoc, SaleDoc, SettingDoc } from '../store';

/* What the sync engine is given (sync-service.ts) and hands to the bundle exchange (exchange.ts). */

export interface SyncCollections {
  sales: RxCollection<SaleDoc>;
  outbox: RxCollection<OutboxDoc>;
  catalog: RxCollection<CatalogItemDoc>;
  settings: RxCollection<SettingDoc>;
}

/** Whether the server answers (the app probes /health/live); only `offline` holds rounds back. */
export interface Reachability {
  state: 'unknown' | 'online' | 'offline';
}

/** A verified pull page as the engine read it. */
export type PullPage = z.output<typeof PullAnswer>;

/**
 * What a terminal takes from a pull page beyond policy, time, catalog and outcomes (the app: the
 * signed cashier roster and the back office's catalog, which pullQuery asks for). `check` runs after the page's statement verified and before anything is written: it throws to refuse the
 * whole page, else returns what to write once the page is applied.
 */
export interface PullExtension {
  check(page: PullPage, serverKey: KeyObject): Promise<(now: number) => Promise<void>>;
}

export interface SyncDeps {
  collections: SyncCollections;
  identity: () => Promise<DeviceIdentity>;
  enrollment: { readonly current: EnrollmentRecord; save(record: EnrollmentRecord): Promise<unknown> };
  enrollmentChanges: Observable<EnrollmentRecord>;
  reachability: { readonly current: Reachability; readonly changes: Observable<Reachability> };
  serverUrl: () => string;
  /**
   * Why the till may not talk to its server now (the local shop's server is not running, so its
   * port may be anyone's: local-shop/server-hold.ts); null when it may. No round runs while held.
   */
  serverHeld?: () => ApiError | null;
  /** The server signing key the pull's signed policy and time must verify against (trust/server-key.ts). */
  serverKey: () => Promise<KeyObject>;
  /** Run after each successful pull (the QR issuer keys); its failure is the round's, in the status. */
  afterPull?: () => Promise<unknown>;
  /** The till's clock for money (pos/till-clock.ts): bundles are stamped with it. Date.now if absent. */
  clock?: { now(): number };
  /**
   * Heads of runs of sales a restored older store lost (trust/rollback-anchor.ts): a bundle may
   * start just after one, so the server sees the gap (SEQUENCE_GAP, held for review).
   */
  lostSales?: (deviceId: string) => readonly ChainHead[];
  /** More to take from each verified pull page (the app's cashier roster and back-office catalog). */
  pullExtension?: PullExtension;
  /**
   * Run RxDB's live replication (default): sales are pushed as they are recorded, retried with
   * backoff. False (the SDK's `autoSync: false`): nothing moves but `syncNow()`.
   */
  live?: boolean;
  options?: SyncOptions;
}

export interface SyncOptions {
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Pull (and push what is left) this often while online. 0 turns the timer off. */
  intervalMs?: number;
  bundleSize?: number;
  requestTimeoutMs?: number;
  random?: () => number;
  /** Items per pull page (the server's default when absent). */
  pullPageSize?: number;
  /**
   * Sales recorded within this many ms of the first not yet sealed travel in one push (#23): a busy
   * till no longer sends one request per sale. 0 (the default) pushes each sale as RxDB hands it over.
   */
  pushWindowMs?: number;
  /** Runs `fn` after `ms` and returns how to cancel it: setTimeout unless a test holds the window. */
  schedule?: (fn: () => void, ms: number) => () => void;
}

/**
 * The pull answer as read here: the statement is taken as anything so that a missing or malformed
 * one is checkPolicyStatement's POLICY_STATEMENT_INVALID, not a generic "not understood".
 */
export const PullAnswer = PaymentsPullResponse.extend({ statement: z.unknown().optional() });
