import { combineLatest, distinctUntilChanged, map, type Observable } from 'rxjs';
import type { DeviceStatus, Settings } from '../../../protocol/api';
import type { Reachability } from '../net/reachability';

export interface StatusSources {
  appVersion: string;
  platform: string;
  startedAt: string;
  settings: Observable<Settings>;
  reachability: Observable<Reachability>;
}

/** The device's status as one live value, re-emitted only when something in it changes. */
export function deviceStatus(sources: StatusSources): Observable<DeviceStatus> {
  return combineLatest([sources.settings, sources.reachability]).pipe(
    map(([settings, reach]): DeviceStatus => ({
      appVersion: sources.appVersion,
      platform: sources.platform,
      // Identity and enrollment arrive with the trust base; until then the device is unknown.
      deviceId: null,
      enrollment: 'not_enrolled',
      server: {
        url: settings.serverUrl,
        reachability: reach.state,
        checkedAt: reach.checkedAt,
        lastError: reach.lastError,
      },
      startedAt: sources.startedAt,
    })),
    distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)),
  );
}
