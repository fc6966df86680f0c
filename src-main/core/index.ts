import { distinctUntilChanged, filter, firstValueFrom, map } from 'rxjs';
import type { Settings } from '../../protocol/api';
import { KeytarKeyStore } from '../../native/keystore';
import type { ApiHandlers } from './api/handlers';
import { DEFAULT_SERVER_URL, type CoreConfig } from './config';
import { DeviceService } from './device/device-service';
import { EnrollmentStore } from './device/enrollment-store';
import { deviceStatus } from './device/status';
import { ReachabilityMonitor } from './net/reachability';
import { SettingsStore } from './settings/settings-store';

export type { ApiHandlers } from './api/handlers';
export { callCommand, openSubscription } from './api/dispatch';
export { createSession, type Session } from './api/session';
export { defaultDataDir, DEFAULT_SERVER_URL, type CoreConfig } from './config';

export interface Core {
  readonly handlers: ApiHandlers;
  readonly config: CoreConfig;
  close(): Promise<void>;
}

export function defaultSettings(config: Pick<CoreConfig, 'defaultServerUrl'>): Settings {
  return {
    locale: 'en',
    serverUrl: config.defaultServerUrl || DEFAULT_SERVER_URL,
    currency: 'XOF',
    terminalName: 'Till 1',
  };
}

/** Builds the app core: plain Node, no Electron, so the shell and the browser host share it. */
export async function createCore(config: CoreConfig): Promise<Core> {
  const settings = await SettingsStore.open(config.dataDir, defaultSettings(config));
  const reachability = new ReachabilityMonitor(settings.current.serverUrl, {
    intervalMs: config.reachabilityIntervalMs ?? 5000,
  });
  const settingsSub = settings.changes.subscribe((s) => reachability.retarget(s.serverUrl));
  reachability.start();

  const device = new DeviceService(
    config.keyStore ?? new KeytarKeyStore(),
    await EnrollmentStore.open(config.dataDir),
    config.platform,
  );
  await device.start();
  // Each return of the network is a chance to learn of a revocation and to fetch server time.
  const checkInSub = reachability.changes
    .pipe(
      map((r) => r.state),
      distinctUntilChanged(),
      filter((state) => state === 'online'),
    )
    .subscribe(() => {
      device.checkIn().catch((error: unknown) => console.warn('[core] check-in failed', error));
    });

  const status$ = deviceStatus({
    appVersion: config.appVersion,
    platform: config.platform,
    startedAt: new Date().toISOString(),
    settings: settings.changes,
    reachability: reachability.changes,
    identity: device.identityView,
    enrollment: device.enrollmentChanges,
  });

  const handlers: ApiHandlers = {
    commands: {
      'app.status': () => firstValueFrom(status$),
      'settings.get': async () => settings.current,
      'settings.update': (patch) => settings.update(patch),
      'enrollment.get': async () => device.enrollment,
      'enrollment.redeemCode': ({ code }) => device.redeemCode(settings.current.serverUrl, code),
      'enrollment.registerLaptop': (input) => device.registerLaptop(settings.current.serverUrl, input),
      'enrollment.checkIn': () => device.checkIn(),
    },
    subscriptions: {
      'device.status': () => status$,
      'settings.changes': () => settings.changes,
    },
  };

  return {
    handlers,
    config,
    async close() {
      settingsSub.unsubscribe();
      checkInSub.unsubscribe();
      reachability.stop();
      device.close();
      settings.close();
    },
  };
}
