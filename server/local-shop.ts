/**
 * The app's local shop (issue #19, item 11): this server on its embedded database, started by the
 * app (src-main/core/local-shop) in a process of its own, with an IPC channel only the app holds. It
 * listens on 127.0.0.1 only, whatever HOST says, never on DATABASE_URL, under the OUTPOST_DATA_DIR
 * the app gives (kept private as any server's: server/private-dir.ts). The master secret comes over
 * the channel from the app's keychain, so no master.key file is written. When the app goes (closed or
 * killed), the channel closes and the server stops with it.
 */
import { LocalShopStart, type LocalShopReport } from '../protocol/local-shop';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { startServer, type RunningServer } from './start';

function report(message: LocalShopReport): void {
  process.send?.(message);
}

function firstMessage(): Promise<unknown> {
  return new Promise((resolve) => process.once('message', resolve));
}

async function main(): Promise<void> {
  if (!process.send) {
    process.stderr.write(
      'server/local-shop.ts is started by the Outpost app (its local shop), not by hand\n',
    );
    process.exit(2);
  }
  // Read as if DATABASE_URL were unset, so its defaults (the materials store) are the embedded ones.
  const config = loadConfig({ ...process.env, DATABASE_URL: undefined });
  const start = LocalShopStart.parse(await firstMessage());
  const logger = createLogger(config.logLevel);
  const running: { server?: RunningServer } = {};
  let stopping = false;
  // A stop asked for while the server starts waits for the start, so the database closes cleanly.
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void running.server?.close().finally(() => process.exit(0));
  };
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const server = await startServer(
    { ...config, host: '127.0.0.1', masterSecret: Buffer.from(start.masterSecret, 'base64') },
    { logger },
  );
  running.server = server;
  if (stopping) {
    await server.close();
    process.exit(0);
  }
  logger.info({ url: server.url }, `local shop listening on ${server.url}`);
  report({ type: 'ready', url: server.url, setupUrl: server.setupUrl ?? null });
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  report({ type: 'failed', message });
  process.stderr.write(`The local shop's server failed to start: ${message}\n`);
  process.exitCode = 1;
  process.disconnect?.();
});
