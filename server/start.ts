import { once } from 'node:events';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Router } from 'express';
import type pg from 'pg';
import { isLoopbackHost } from '../protocol/api/server-url';
import { createApp } from './app';
import { anchorPath } from './audit/anchor';
import type { Config } from './config';
import { consoleSite } from './console/site';
import { announceSetupLink } from './console/setup';
import { adminInboxPath, startAdminInbox } from './console/admin-inbox';
import { migrate } from './db/migrate';
import { openDatabase } from './db/open';
import { loadMasterSecret } from './keys/master-secret';
import { createLogger, type Logger } from './logger';
import { materialsDirOf } from './materials/deps';
import { moveFilesIntoTable } from './materials/blobs/move-files';
import { startEncryptionWorker } from './materials/encryption-worker';
import type { TrustDeps } from './routes/deps';
import { ensurePrivateDir, makeTreePrivate } from './private-dir';
import { createTrustBase } from './trust-base';
import { startWorker } from './worker/reconcile';

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8098` (the real port when `config.port` is 0). */
  url: string;
  /** The first run's one-time setup link, while no user exists (what the log prints); else absent. */
  setupUrl?: string;
  /** Stops accepting requests, then closes the pool and the embedded database. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  /**
   * More feature routers, mounted after the trust base's. They get the same pool, keys and
   * logger; use `deps.pool` and server/audit's appendAudit inside their transactions.
   */
  routes?: (deps: TrustDeps) => Router[];
  /**
   * Run the reconciliation worker inside this process. Default: only on the embedded database,
   * which no other process can open; with DATABASE_URL run `npm run worker` (any number of them).
   */
  worker?: boolean;
}

function formatUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** config → database (embedded when no DATABASE_URL) → migrations → server keys → HTTP listener. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      await fn().catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
    }
  };

  try {
    // The data directory holds the master key and the embedded database: the server's user alone
    // may enter it, whatever mode an earlier install or a hand-made directory left on it.
    await ensurePrivateDir(config.dataDir);
    const db = await openDatabase(config, logger);
    cleanups.push(db.close);
    const pool: pg.Pool = db.pool;

    await migrate(pool, { logger });

    const masterSecret = await loadMasterSecret(config.masterSecret, config.dataDir, logger);
    await makeTreePrivate(join(config.dataDir, 'server'));
    const trust = await createTrustBase({
      pool,
      logger,
      masterSecret,
      materialsDir: materialsDirOf(config.dataDir),
      materialsStore: config.materialsStore,
      auditAnchorFile: anchorPath(config.dataDir),
      ...(config.metricsToken === undefined ? {} : { metricsToken: config.metricsToken }),
    });
    cleanups.push(async () => trust.close());

    // After an upgrade to the database store, the files this server kept move into the table in
    // the background, so every replica serves them (materials/blobs/move-files.ts). Not on the
    // embedded database: one process, which reads them where they are.
    if (config.materialsStore === 'database' && !db.embedded) {
      let stopping = false;
      const moving = moveFilesIntoTable(pool, materialsDirOf(config.dataDir), logger, () => stopping).catch(
        (err: unknown) => logger.error({ err }, 'moving material files into the database failed'),
      );
      cleanups.push(async () => {
        stopping = true;
        await moving;
      });
    }

    if (options.worker ?? db.embedded) {
      const worker = startWorker({ pool, logger: logger.child({ component: 'worker' }) });
      cleanups.push(() => worker.stop());
      const encryption = startEncryptionWorker({
        pool,
        materials: trust.deps.materials,
        logger: logger.child({ component: 'encryption-worker' }),
      });
      cleanups.push(() => encryption.stop());
    }

    // `npm run admin:create` while the embedded database is ours (issue #19, console/admin-inbox.ts).
    if (db.embedded)
      cleanups.push(await startAdminInbox(adminInboxPath(config.dataDir), { ...trust.deps, logger }));

    const routes = [...trust.routers, consoleSite(logger), ...(options.routes?.(trust.deps) ?? [])];
    const server = createApp({
      pool,
      logger,
      routes,
      ...(config.trustProxy === undefined ? {} : { trustProxy: config.trustProxy }),
    }).listen(config.port, config.host);
    cleanups.push(
      () =>
        new Promise<void>((resolve, reject) => {
          server.close((err) => (err ? reject(err) : resolve()));
          // close() waits for keep-alive sockets; idle ones hold nothing worth waiting for.
          server.closeIdleConnections();
        }),
    );
    await once(server, 'listening');
    const url = formatUrl(server.address() as AddressInfo);
    // The server speaks plain http: passwords and tokens cross the network in clear unless a TLS
    // proxy terminates https in front of it (docs/operations.md). Say so where operators look.
    if (!isLoopbackHost(config.host))
      logger.warn(
        { host: config.host, url },
        'listening on a non-loopback address without TLS: put an https proxy in front (docs/operations.md)',
      );
    // Behind that proxy, without TRUST_PROXY every client has the proxy's address: the per-address
    // throttles then count the whole world as one client, and one flooder refuses everybody's
    // sign-ins from "that address" (docs/operations.md "Throttling").
    if (!isLoopbackHost(config.host) && config.trustProxy === undefined)
      logger.warn(
        { host: config.host },
        'listening on a non-loopback address without TRUST_PROXY: behind a proxy every client looks like the proxy, one address to the per-address throttles; set TRUST_PROXY (docs/operations.md "Throttling")',
      );

    // First run: the back office's one-time link that creates the first administrator (issue #19).
    const setupUrl = await announceSetupLink(pool, url, logger);

    let closing: Promise<void> | undefined;
    return { url, ...(setupUrl ? { setupUrl } : {}), close: () => (closing ??= cleanup()) };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
