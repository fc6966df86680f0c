import type { Request } from 'express';
import type pg from 'pg';
import type { RouteName } from '../../protocol/http';
import { refreshTokenLive } from '../auth/service';
import { checkLink, LINK_CODES, passes } from '../console/links';
import { setupOpen } from '../console/setup';
import { enrollmentCodeRedeemable } from '../devices/enrollment-code';
import { signedByActiveDevice } from '../payments/push-signature';
import { addressSubject } from './address';
import type { Throttle, ThrottleRule } from './throttle';

/**
 * Which counters each throttled route counts against, from its already validated input, in the
 * order they are counted: counters keyed on the address (which a client cannot choose freely) come
 * before those keyed on an account or device id it names, since a refusal stops the counting
 * (Throttle.enter). Routes not listed are not throttled here (downloads have their own per-user
 * limit in server/materials).
 */
export function throttleRules(
  route: RouteName,
  req: Request,
  body: unknown,
  deps: { pool: pg.Pool; throttle: Throttle; codeKey: Buffer },
): ThrottleRule[] {
  // With `trust proxy` set (TRUST_PROXY), the client's address as the proxy reports it; an IPv6
  // client is counted by its /64.
  const address = addressSubject(req.ip ?? 'unknown');
  const field = (name: string) => {
    const value = (body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value : undefined;
  };
  switch (route) {
    // The console's sign-in (issue #19) counts against the same counters: one account, one budget.
    case 'consoleSignIn':
    case 'signIn': {
      const email = field('email')?.toLowerCase() ?? '';
      const accountAndAddress = `${email}\n${address}`;
      return [
        {
          limit: 'signInFailuresPerAddress',
          subject: address,
          counts: 'failures',
          // A school's NAT address full of a class's typos does not lock out the accounts that
          // signed in right from it lately; a spray over accounts new to that address is refused.
          spare: () => deps.throttle.recorded('signInSuccessesPerAccountAndAddress', accountAndAddress),
        },
        {
          limit: 'signInFailuresPerAccountAndAddress',
          subject: accountAndAddress,
          counts: 'failures',
          resetOnSuccess: true,
        },
        {
          limit: 'signInFailuresPerAccount',
          subject: email,
          counts: 'failures',
          resetOnSuccess: true,
          // A stranger spreading 100 guesses over 10 addresses does not lock the owner out of the
          // address she signed in right from lately (M-B, third pass); a new address is refused,
          // and the per-account-and-address limit above still bounds guessing from hers.
          spare: () => deps.throttle.recorded('signInSuccessesPerAccountAndAddress', accountAndAddress),
        },
        { limit: 'signInSuccessesPerAccount', subject: email, counts: 'successes' },
        { limit: 'signInSuccessesPerAccountAndAddress', subject: accountAndAddress, counts: 'record' },
      ];
    }
    case 'refresh':
      return [
        {
          limit: 'refreshFailuresPerAddress',
          subject: address,
          counts: 'failures',
          // A school's address full of junk tokens does not sign out everyone there: a token a
          // refresh would accept is let through (one indexed lookup); the junk is still refused.
          spare: () => refreshTokenLive(deps.pool, field('refresh_token') ?? ''),
        },
      ];
    // The console's links and first run (issue #16, eighth pass M-2): a made-up token or a setup
    // after the first is refused before its scrypt; a live one is let through (an indexed lookup).
    case 'acceptLink':
      return [
        {
          limit: 'acceptLinkFailuresPerAddress',
          subject: address,
          counts: 'failures',
          spare: () => passes(checkLink(deps.pool, field('token') ?? '', ['invite', 'reset'], LINK_CODES)),
        },
      ];
    case 'setup':
      return [
        {
          limit: 'setupFailuresPerAddress',
          subject: address,
          counts: 'failures',
          spare: () => setupOpen(deps.pool, field('token') ?? ''),
        },
      ];
    case 'enroll':
      return [
        {
          limit: 'enrollFailuresPerAddress',
          subject: address,
          counts: 'failures',
          // A flood of wrong codes from a shared address does not stop a genuine enrollment there:
          // an unspent, unexpired code is let through (one keyed hash, one indexed lookup).
          spare: () => enrollmentCodeRedeemable(deps.pool, deps.codeKey, field('code') ?? ''),
        },
        {
          limit: 'enrollAttemptsPerDevice',
          subject: field('device_id') ?? '',
          counts: 'attempts',
          // Anyone can name a till's id (with a key of his own and a made-up code) and fill this
          // counter (issue #16, twelfth pass L-A): the till itself, holding a code a manager just
          // issued, is let through all the same. The code, not the id, is what proves anything.
          spare: () => enrollmentCodeRedeemable(deps.pool, deps.codeKey, field('code') ?? ''),
        },
      ];
    case 'pushBundle':
      return [
        {
          limit: 'pushFailuresPerAddress',
          subject: address,
          counts: 'failures',
          // Never refuses a push its device signed: tills share addresses (NAT) with strangers.
          spare: () => signedByActiveDevice(deps.pool, body),
        },
        // Counted only once the bundle was answered, so nobody but the device can fill its counter.
        { limit: 'pushesPerDevice', subject: field('device_id') ?? '', counts: 'successes' },
      ];
    default:
      return [];
  }
}
