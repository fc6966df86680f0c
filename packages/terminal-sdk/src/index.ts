/**
 * @outpost/terminal-sdk: an offline payment terminal on the Outpost protocol (docs/protocol.md).
 *
 * The public API is the first block: OfflineTerminal and what it takes. The rest are the building
 * blocks it is made of, which the Outpost app's core uses directly (one implementation: the app's
 * till syncs with this very engine).
 */
export {
  OfflineTerminal,
  OfflineQrInput,
  OfflineTransaction,
  TerminalOptions,
  TransactionLine,
  type RecordedTransaction,
  type TerminalConfig,
  type TerminalSale,
} from './terminal';
export { MemoryKeyStore, type KeyStore } from './key-store';
export type { Enrollment, SyncStatus } from '../../../protocol/api';
export { ApiError } from '../../../protocol/api';

// Building blocks.
export * from './store';
export { EnrollmentRecord, NOT_ENROLLED, enrollWithCode } from './device/enrollment';
export {
  IDENTITY_ACCOUNTS,
  loadOrCreateIdentity,
  type DeviceIdentity,
  type IdentityOptions,
} from './device/identity';
export * from './device/policy-statement';
export * from './device/server-statement';
export * from './device/server-key';
export {
  callRoute,
  routePath,
  type DeviceCredential,
  type RouteAnswer,
  type RouteRequest,
} from './net/route-client';
export * from './sale/record';
export * from './sale/qr';
export * from './sync/sync-service';
export * from './sync/replication';
export * from './sync/backoff';
export * from './sync/status';
export * from './sync/outbox';
export * from './sync/pull';
