import { combineLatest, distinctUntilChanged, map, type Observable } from 'rxjs';
import type { DeviceStatus, Settings } from '../../../protocol/api';
import type { Reachability } from '../net/reachability';
import type { IdentityView } from './device-service';
import type { EnrollmentRecord } from './enrollment-store';

export interface StatusSources {
  appVersion: string;
  platform: string;
  startedAt: string;
  settings: Observable<Settings>;
  reachability: Observable<Reachability>;
  identity: Observable<IdentityView>;
  enrollment: Observable<EnrollmentRecord>;
  provisioning: Observable<DeviceStatus['provisioning'] & { features: DeviceStatus['features'] }>;
  /** The till's rollback stop (trust/rollback-anchor.ts). */
  tillStopped: Observable<boolean>;
}

/** The device's status as one live value, re-emitted only when something in it changes. */
export function deviceStatus(sources: StatusSources): Observable<DeviceStatus> {
  return combineLatest([
    sources.settings,
    sources.reachability,
    sources.identity,
    sources.enrollment,
    sources.provisioning,
    sources.tillStopped,
  ]).pipe(
    map(([settings, reach, identity, record, provisioning, tillStopped]): DeviceStatus => ({
      appVersion: sources.appVersion,
      platform: sources.platform,
      deviceId: identity.deviceId,
      fingerprint: identity.fingerprint,
      identityError: identity.error,
      provisioning: { state: provisioning.state, message: provisioning.message },
      features: provisioning.features,
      enrollment: record.enrollment.state,
      enrollmentMode: record.enrollment.mode,
      tillStopped,
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
