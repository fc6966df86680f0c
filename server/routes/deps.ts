import type pg from 'pg';
import type { Checkpointer } from '../audit/checkpoint';
import type { ScryptCost } from '../auth/passwords';
import type { ServerKeys } from '../keys/server-keys';
import type { Logger } from '../logger';
import type { MaterialsDeps } from '../materials/deps';
import type { Throttle } from '../throttle/throttle';

/** What route handlers need, built once by createTrustBase. */
export interface TrustDeps {
  pool: pg.Pool;
  logger: Logger;
  keys: ServerKeys;
  /** HMAC key for enrollment codes, derived from the master secret. */
  codeKey: Buffer;
  scryptCost: ScryptCost;
  /** A password hash at `scryptCost` that nothing matches: unknown emails cost the same work. */
  dummyHash: string;
  /** Material storage and the keys derived for it (server/materials/deps.ts). */
  materials: MaterialsDeps;
  /** Counters of sign-ins, refreshes, enrollments and pushes, shared by replicas (server/throttle). */
  throttle: Throttle;
  /** The audit log's key and its checkpointer (whose anchor the console's verification checks). */
  audit: { key: Buffer; checkpoints: Checkpointer };
  /** Bearer token for /metrics and /health/full (config METRICS_TOKEN); absent: the ops role only. */
  metricsToken?: string;
}
