import { app } from 'electron';
import type { Core } from '../core';
import { UpdateService } from '../core/deploy/update-manifest';
import { runUpdater } from './updater';

/**
 * Self-update for packaged builds whose IT set a release channel: OUTPOST_UPDATE_URL names the
 * channel's signed manifest (docs/deployment.md). Development builds and unset URLs never update.
 */
export async function startUpdates(core: Core): Promise<() => void> {
  const manifestUrl = process.env.OUTPOST_UPDATE_URL;
  if (!app.isPackaged || !manifestUrl) return () => undefined;
  const status = await core.handlers.commands['app.status']({});
  if (!status.deviceId) {
    console.warn('[updater] no device identity yet; updates stay off until the next start');
    return () => undefined;
  }
  const service = new UpdateService({
    manifestUrl,
    dataDir: core.config.dataDir,
    state: core.updateState,
    installedVersion: app.getVersion(),
    channel: process.env.OUTPOST_UPDATE_CHANNEL ?? 'stable',
    platformArch: `${process.platform}-${process.arch}`,
    deviceId: status.deviceId,
  });
  return runUpdater({ service });
}
