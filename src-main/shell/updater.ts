import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { app } from 'electron';
import electronUpdater from 'electron-updater';
import {
  verifyFile,
  type UpdateCheckResult,
  type UpdateFile,
  type UpdateManifest,
  type UpdateService,
} from '../core/deploy/update-manifest';

/**
 * Installs updates the core has already verified (src-main/core/deploy/update-manifest.ts: signed
 * manifest, rollback/freeze state, rollout, sha512 + size of the downloaded file).
 *
 * electron-updater does the OS-specific installing (NSIS on Windows, Squirrel.Mac with the .zip on
 * macOS, AppImage on Linux) and, on Windows, checks the installer's Authenticode publisher against
 * app-update.yml. It is never pointed at the network: we feed it the verified local file through
 * its generic provider, from a one-shot HTTP server on 127.0.0.1 under a random path, with a
 * latest.yml we write from the signed manifest (so its own sha512 check re-checks our file).
 * deb and rpm installs are updated by IT's package repositories instead, so on Linux only an
 * AppImage updates itself.
 */
const { autoUpdater } = electronUpdater;

export function selfUpdateSupported(): boolean {
  if (!app.isPackaged) return false;
  if (process.platform === 'linux') return Boolean(process.env.APPIMAGE);
  return process.platform === 'win32' || process.platform === 'darwin';
}

function latestYml(manifest: UpdateManifest, file: UpdateFile, name: string): string {
  const q = (s: string) => JSON.stringify(s); // a JSON string is a valid YAML scalar
  return [
    `version: ${q(manifest.version)}`,
    'files:',
    `  - url: ${q(name)}`,
    `    sha512: ${q(file.sha512)}`,
    `    size: ${file.size}`,
    `path: ${q(name)}`,
    `sha512: ${q(file.sha512)}`,
    `releaseDate: ${q(manifest.released_at)}`,
    '',
  ].join('\n');
}

/** Serves one verified file and its latest.yml on loopback, under an unguessable prefix. */
async function serveVerified(path: string, manifest: UpdateManifest, file: UpdateFile) {
  const prefix = `/${randomBytes(16).toString('hex')}/`;
  const name = basename(path);
  const yml = latestYml(manifest, file, name);
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    if (req.method !== 'GET' || !url.startsWith(prefix)) return void res.writeHead(404).end();
    const rest = decodeURIComponent(url.slice(prefix.length).split('?')[0] ?? '');
    if (rest === name) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.size });
      createReadStream(path).pipe(res);
    } else if (/^[a-z0-9-]+\.yml$/.test(rest)) {
      // latest.yml, latest-mac.yml, latest-linux.yml…: electron-updater names it per platform
      res.writeHead(200, { 'content-type': 'text/yaml' }).end(yml);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Hands a verified update to electron-updater and lets it download (from loopback) and stage it.
 * It installs when the app quits, or at once with `installNow`.
 */
export async function stageVerifiedUpdate(
  ready: Extract<UpdateCheckResult, { status: 'ready' }>,
  options: { installNow?: boolean } = {},
): Promise<void> {
  // Re-check right before handing over: the file sat in the data directory since the core checked it.
  await verifyFile(ready.path, ready.file);
  const feed = await serveVerified(ready.path, ready.manifest, ready.file);
  try {
    autoUpdater.autoDownload = false;
    autoUpdater.autoInstallOnAppQuit = true;
    autoUpdater.allowDowngrade = false;
    autoUpdater.allowPrerelease = true; // the channel, not semver pre-release tags, decides
    autoUpdater.disableDifferentialDownload = true;
    autoUpdater.setFeedURL({ provider: 'generic', url: feed.url });
    const found = await autoUpdater.checkForUpdates();
    if (!found?.isUpdateAvailable) return;
    await autoUpdater.downloadUpdate();
  } finally {
    await feed.close();
  }
  if (options.installNow) autoUpdater.quitAndInstall(true, true);
}

export interface UpdaterOptions {
  service: UpdateService;
  /** Between checks; the first one runs shortly after start. */
  intervalMs?: number;
  /** Told of every outcome (the UI shows "update ready" or why one was refused). */
  onResult?: (result: UpdateCheckResult) => void;
}

/** Periodic checks in the packaged app; returns a stop function. Does nothing where self-update is unsupported. */
export function runUpdater(options: UpdaterOptions): () => void {
  if (!selfUpdateSupported()) return () => undefined;
  let staged: string | null = null;
  const tick = async () => {
    try {
      const result = await options.service.check();
      options.onResult?.(result);
      if (result.status === 'refused')
        console.warn(`[updater] refused: ${result.error.code}: ${result.error.message}`);
      if (result.status === 'ready' && staged !== result.manifest.version) {
        await stageVerifiedUpdate(result);
        staged = result.manifest.version;
      }
    } catch (error) {
      console.warn('[updater] check failed', error);
    }
  };
  const first = setTimeout(() => void tick(), 30_000);
  const timer = setInterval(() => void tick(), options.intervalMs ?? 4 * 3_600_000);
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
