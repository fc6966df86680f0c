import type { Request } from 'express';
import type { RouteName } from '../../protocol/http';
import type { ThrottleRule } from './throttle';

/**
 * Which counters each throttled route counts against, from its already validated input. Routes not
 * listed are not throttled here (downloads have their own per-user limit in server/materials).
 */
export function throttleRules(route: RouteName, req: Request, body: unknown): ThrottleRule[] {
  // With `trust proxy` set (TRUST_PROXY), the client's address as the proxy reports it.
  const address = req.ip ?? 'unknown';
  const field = (name: string) => {
    const value = (body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value : undefined;
  };
  switch (route) {
    case 'signIn': {
      const email = field('email')?.toLowerCase() ?? '';
      return [
        {
          limit: 'signInFailuresPerAccountAndAddress',
          subject: `${email}\n${address}`,
          counts: 'failures',
          resetOnSuccess: true,
        },
        { limit: 'signInFailuresPerAccount', subject: email, counts: 'failures', resetOnSuccess: true },
        { limit: 'signInFailuresPerAddress', subject: address, counts: 'failures' },
      ];
    }
    case 'refresh':
      return [{ limit: 'refreshFailuresPerAddress', subject: address, counts: 'failures' }];
    case 'enroll':
      return [
        { limit: 'enrollFailuresPerAddress', subject: address, counts: 'failures' },
        { limit: 'enrollAttemptsPerDevice', subject: field('device_id') ?? '', counts: 'attempts' },
      ];
    case 'pushBundle':
      return [
        { limit: 'pushFailuresPerAddress', subject: address, counts: 'failures' },
        // Counted only once the bundle was answered, so nobody but the device can fill its counter.
        { limit: 'pushesPerDevice', subject: field('device_id') ?? '', counts: 'successes' },
      ];
    default:
      return [];
  }
}
