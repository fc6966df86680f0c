import type { Licence } from './licence';

export type LicenceTimeState =
  | { state: 'valid'; msLeft: number; until: 'expiry' | 'check_in' }
  | { state: 'expired'; code: 'LICENSE_EXPIRED' }
  | { state: 'offline_expired'; code: 'LICENSE_OFFLINE_EXPIRED' };

/**
 * Pure: the app supplies a clock it trusts (its secure clock, never the raw system time) and when it
 * last reached the server. A licence is readable until the earlier of its expiry and last check-in
 * plus the offline grace; expiry is reported first because renewing cannot fix it, checking in can.
 */
export function licenceTimeState(
  licence: Pick<Licence, 'expires_at' | 'offline_grace_hours'>,
  clock: { trustedNow: Date | number; lastCheckIn: Date | number },
): LicenceTimeState {
  const now = +clock.trustedNow;
  const expiresAt = Date.parse(licence.expires_at);
  // A check-in "in the future" is a clock that moved back: count it as now, never as extra grace.
  const checkIn = Math.min(+clock.lastCheckIn, now);
  const graceEnds = checkIn + licence.offline_grace_hours * 3_600_000;
  if (now >= expiresAt) return { state: 'expired', code: 'LICENSE_EXPIRED' };
  if (now >= graceEnds) return { state: 'offline_expired', code: 'LICENSE_OFFLINE_EXPIRED' };
  return expiresAt <= graceEnds
    ? { state: 'valid', msLeft: expiresAt - now, until: 'expiry' }
    : { state: 'valid', msLeft: graceEnds - now, until: 'check_in' };
}
