import type { KeyObject } from 'node:crypto';
import type { RxCollection } from 'rxdb';
import { map, type Observable } from 'rxjs';
import { ApiError } from '../../../protocol/api';
import { RosterError, verifyRoster, type CashierRoster } from '../../../protocol/http/cashier-roster';
import { decodeSetting, encodeSetting, type SettingDoc } from '../store/schemas/index';

/**
 * The back office's cashier roster at the till (issue #19, item 3). Once a till holds a roster, its
 * cashiers are the roster's and nobody else's (cashier-accounts.ts reads them from here): the
 * till's own accounts stay stored but unused, and adding a cashier or changing a PIN at the till is
 * refused (CASHIERS_MANAGED_CENTRALLY). A till with no roster keeps its own accounts, with the
 * first-manager bootstrap of issue #18.
 *
 * A roster is taken only as `protocol/http/cashier-roster.ts` verifies it: signed by the pinned
 * server key, for this till's tenant, and not older than the version held; it is stored as signed,
 * in the encrypted settings collection. The same version again (every pull page carries the
 * roster) changes nothing.
 */

export const ROSTER_KEY = 'pos.roster';

export async function heldRoster(settings: RxCollection<SettingDoc>): Promise<CashierRoster | null> {
  const doc = await settings.findOne(ROSTER_KEY).exec();
  return doc ? (decodeSetting(doc) as unknown as CashierRoster) : null;
}

/**
 * Checks a pulled roster against the held one; returns it when it is newer (to be saved once the
 * page is applied), undefined when it is the one held. Throws ROSTER_INVALID, applying nothing.
 */
export async function checkRoster(
  settings: RxCollection<SettingDoc>,
  input: unknown,
  expected: { serverKey: KeyObject; tenant: { type: string; id: string } | null },
): Promise<CashierRoster | undefined> {
  const held = await heldRoster(settings);
  const heldVersion = held?.version ?? 0;
  if (!expected.tenant)
    throw new ApiError('ROSTER_INVALID', 'A till without a shop takes no cashier roster.');
  try {
    const roster = verifyRoster(input, {
      serverPublicKey: expected.serverKey,
      tenant: expected.tenant,
      heldVersion,
    });
    return roster.version > heldVersion ? roster : undefined;
  } catch (error) {
    if (error instanceof RosterError) throw new ApiError('ROSTER_INVALID', `Refused: ${error.message}.`);
    throw error;
  }
}

export async function saveRoster(
  settings: RxCollection<SettingDoc>,
  roster: CashierRoster,
  now: number,
): Promise<void> {
  await settings.upsert({
    key: ROSTER_KEY,
    value: encodeSetting(roster as unknown as Parameters<typeof encodeSetting>[0]),
    updatedAt: now,
  });
}

/** The held roster's version, live (0: none). */
export function rosterVersions(settings: RxCollection<SettingDoc>): Observable<number> {
  return settings
    .findOne(ROSTER_KEY)
    .$.pipe(map((doc) => (doc ? (decodeSetting(doc) as unknown as CashierRoster).version : 0)));
}
