import { filter, firstValueFrom, of } from 'rxjs';
import type { CoreModule } from '../api/module';
import { deviceStatus } from './status';

/**
 * The device: its identity (DeviceService, shared by every module that signs), its enrollment with
 * the server and the live status the status bar shows.
 */
export const deviceModule: CoreModule<'device'> = {
  feature: 'device',
  async start({ config, settings, reachability, device, online, anchor, serverHold, need }) {
    const status$ = deviceStatus({
      appVersion: config.appVersion,
      platform: config.platform,
      startedAt: new Date().toISOString(),
      settings: settings.changes,
      reachability: reachability.changes,
      identity: device.identityView,
      enrollment: device.enrollmentChanges,
      provisioning: need('deploy').view,
      tillStopped: anchor?.suspensions('till') ?? of(false),
    });
    // Each return of the network is a chance to learn of a revocation and to fetch server time.
    // Not while the local shop's server is down: whatever holds its port would get the request (#16).
    const checkInSub = online.pipe(filter(() => serverHold.reason === null)).subscribe(() => {
      device.checkIn().catch((error: unknown) => console.warn('[core] check-in failed', error));
    });
    return {
      commands: {
        'app.status': () => firstValueFrom(status$),
        'enrollment.get': async () => device.enrollment,
        'enrollment.redeemCode': ({ code }) => device.redeemCode(settings.current.serverUrl, code),
        'enrollment.registerLaptop': (input) => device.registerLaptop(settings.current.serverUrl, input),
        'enrollment.checkIn': async () => {
          const held = serverHold.refusal();
          if (held) throw held;
          return device.checkIn();
        },
      },
      subscriptions: {
        'device.status': () => status$,
      },
      close: () => checkInSub.unsubscribe(),
    };
  },
};
