import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createCore, defaultDataDir, DEFAULT_SERVER_URL, localShopLauncher } from '../core';
import { salePushWindowFromEnv } from '../core/config';
import { offsetClock } from './clock-offset';
import { startHost } from './host';

/** `npm run start:web`: the app in any browser, for machines without the Electron binary. */
async function main(): Promise<void> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const rendererDir = `${root}out/renderer`;
  if (!existsSync(`${rendererDir}/index.html`)) {
    console.error('The renderer is not built: run `npm run build` first.');
    process.exit(1);
  }
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  const port = Number(process.env.OUTPOST_HOST_PORT ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`OUTPOST_HOST_PORT must be a port number, got "${process.env.OUTPOST_HOST_PORT}"`);
    process.exit(1);
  }
  const core = await createCore({
    dataDir: defaultDataDir(),
    appVersion: pkg.version,
    platform: `${process.platform} (browser host)`,
    defaultServerUrl: process.env.OUTPOST_SERVER_URL ?? DEFAULT_SERVER_URL,
    ...salePushWindowFromEnv(),
    // The first screen's local shop runs the server of this checkout (issue #19).
    ...(existsSync(`${root}server/local-shop.ts`) ? { localShop: localShopLauncher(root) } : {}),
    // Tests only: notice a server going away within seconds, as a till probing every 5 s did.
    ...(process.env.OUTPOST_PROBE_IDLE_MAX_MS
      ? { reachabilityIdleMaxMs: Number(process.env.OUTPOST_PROBE_IDLE_MAX_MS) }
      : {}),
    // Tests only: the same as moving the OS clock (docs/architecture.md, "Clock offset file").
    ...(process.env.OUTPOST_CLOCK_OFFSET_FILE
      ? { clock: offsetClock(process.env.OUTPOST_CLOCK_OFFSET_FILE) }
      : {}),
  });
  const host = await startHost({ handlers: core.handlers, rendererDir, port, content: core.content });
  console.log(`Outpost is running. Open this URL in a browser:\n${host.url}`);

  const stop = async () => {
    await host.close();
    await core.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
