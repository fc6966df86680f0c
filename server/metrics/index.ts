import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every metric of the server, in one registry, created once per process. Feature code imports
 * `metrics` and increments (`metrics.bundlesPushed.inc()`, `metrics.reconciliationDuration.observe(s)`);
 * names come from the payments and materials seeds. Gauges are set from the database at scrape
 * time (see ./scrape.ts), so they stay right with several server instances.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'outpost_' });

const counter = (name: string, help: string, labelNames: string[] = []) =>
  new Counter({ name, help, labelNames, registers: [registry] });
const histogram = (name: string, help: string, buckets: number[], labelNames: string[] = []) =>
  new Histogram({ name, help, buckets, labelNames, registers: [registry] });
const gauge = (name: string, help: string) => new Gauge({ name, help, registers: [registry] });

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export const metrics = {
  // Payments seed
  bundlesPushed: counter('offline_bundles_pushed_total', 'Bundles pushed by devices'),
  bundlesAccepted: counter('offline_bundles_accepted_total', 'Bundles accepted'),
  bundlesRejected: counter('offline_bundles_rejected_total', 'Bundles rejected', ['reason']),
  reconciliationDuration: histogram(
    'offline_reconciliation_duration_seconds',
    'Time to reconcile one bundle',
    SECONDS,
  ),
  reconciliationQueue: gauge(
    'offline_reconciliation_queue_depth',
    'Accepted bundles waiting for the reconciliation worker',
  ),
  siraScore: histogram(
    'offline_sira_score_distribution',
    'Fraud scores of bundles and transactions (0 to 1)',
    [0.05, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 0.75, 1],
  ),
  // Materials seed
  devicesRegistered: counter('offline_devices_registered_total', 'Devices registered', ['via']),
  licensesIssued: counter('offline_licenses_issued_total', 'Licences issued'),
  downloads: counter('offline_downloads_total', 'Material downloads'),
  rateLimitExceeded: counter('offline_rate_limit_exceeded_total', 'Rate limit violations', ['limit']),
  encryptionDuration: histogram('offline_encryption_duration_seconds', 'Material encryption time', SECONDS),
  downloadDuration: histogram('offline_download_duration_seconds', 'Download preparation time', SECONDS),
  activeDevices: gauge('offline_active_devices', 'Devices enrolled and not revoked'),
  activeLicenses: gauge('offline_active_licenses', 'Licences active and not expired'),
  pendingJobs: gauge('offline_pending_jobs', 'Encryption jobs waiting'),
  // Issue #16: refusals of callers that could not be authenticated, by error code. They are counted
  // here and never written to the audit log (server/http/auth-failures.ts says which codes).
  authFailures: counter(
    'outpost_auth_failures_total',
    'Requests refused because the caller could not be authenticated, by error code',
    ['reason'],
  ),
  // Throttling (server/throttle): refusals are counted by rateLimitExceeded, labelled by limit.
  passwordChecks: counter(
    'auth_password_checks_total',
    'Passwords checked with scrypt (each costs 32 MiB and tens of milliseconds)',
  ),
  // HTTP
  httpDuration: histogram(
    'http_request_duration_seconds',
    'HTTP request duration by route pattern',
    SECONDS,
    ['method', 'route', 'status'],
  ),
};
