import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { embeddedDataPath, type Config } from './config';
import { EMBEDDED_POOL_MAX, startEmbeddedDatabase } from './db/embedded';
import { migrate } from './db/migrate';
import { createPool } from './db/pool';
import { createLogger, type Logger } from './logger';

export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8098` (the real port when `config.port` is 0). */
  url: string;
  /** Stops accepting requests, then closes the pool and the embedded database. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
}

function formatUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** config → database (embedded when no DATABASE_URL) → migrations → HTTP listener. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      await fn().catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
    }
  };

  try {
    let databaseUrl = config.databaseUrl;
    let poolMax: number | undefined;
    if (databaseUrl === undefined) {
      const dataPath = embeddedDataPath(config);
      logger.info({ dataPath }, 'starting embedded database');
      const embedded = await startEmbeddedDatabase(dataPath);
      cleanups.push(embedded.stop);
      databaseUrl = embedded.url;
      poolMax = EMBEDDED_POOL_MAX;
    }
    const pool = createPool(databaseUrl, { logger, ...(poolMax === undefined ? {} : { max: poolMax }) });
    cleanups.push(() => pool.end());

    await migrate(pool, { logger });

    const server = createApp({ pool, logger }).listen(config.port, config.host);
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

    let closing: Promise<void> | undefined;
    return { url, close: () => (closing ??= cleanup()) };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
