import { randomUUID } from 'node:crypto';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Enrollment, PendingBanner } from '../../protocol/api';
import { ENROLLMENT_SETTING } from '../../src-main/core/device/enrollment-store';
import { openAppDatabase } from '../../src-main/core/store/database';
import { anchorAccount } from '../../src-main/core/trust/rollback-anchor';
import { putBackAfter } from '../support/put-back';
import { useDiskTills, type DiskTill } from '../support/disk-till';
import { codeOf, nextOf, tillEnrollmentCode } from '../support/till';

/**
 * The rollback anchor's other paths (issue #16, tenth red-team pass M-1, L-1): the till's store is
 * put back or deleted by a cashier with file access, after an unsynced 40,000 XOF cash sale and a
 * tripped PIN lockout. Pass 9's copy-back is in pos-rollback.test.ts; these go round it. Real core,
 * real encrypted store, real Secret Service, real server on PostgreSQL.
 */
const world = useDiskTills();

/** One enrolled till per attack: its own data directory and keychain service. */
let till: DiskTill;

const start = () => till.start();
const close = () => till.close();
const call = <T = unknown>(method: string, input: unknown = {}) => till.call<T>(method, input);
const sale = (sku: string, amountMinor: number) => till.sale(sku, amountMinor);
const signIn = (cashierId: string, pin: string) => call('pos.cashier.signIn', { cashierId, pin });
const anchored = () => till.anchored();

/** An enrolled till whose sale 1 reached the server, with a manager `m1` (PIN 1234) on shift. */
async function enrolledTill(): Promise<void> {
  till = await world.newTill('outpost-till-paths-');
  world.forwarder.retarget(world.server.url);
  const code = await tillEnrollmentCode(world.server, `shop-${randomUUID()}`);
  await start();
  await call('enrollment.redeemCode', { code });
  await call('pos.cashier.set', { cashierId: 'm1', name: 'Awa', role: 'manager', pin: '1234' });
  await signIn('m1', '1234');
  await call('pos.shift.open', { floatMinor: 10_000 });
  expect((await sale('a', 1_000)).seq).toBe(1);
  expect((await call<{ counts: { accepted: number } }>('sync.now')).counts.accepted).toBe(1);
}

/** Offline: the skimmed 40,000 XOF cash sale (seq 2) and six wrong manager PINs. */
async function skimAndLock(): Promise<void> {
  world.forwarder.unplug();
  await signIn('m1', '1234');
  expect((await sale('x', 40_000)).seq).toBe(2);
  for (let i = 0; i < 5; i++)
    expect(await codeOf(signIn('m1', String(2000 + i)))).toBe('CASHIER_PIN_INVALID');
  expect(await codeOf(signIn('m1', '1234'))).toBe('OVERRIDE_LOCKED');
}

/**
 * The till closed, its store deleted and the attacker's plain enrollment.json in its place: the
 * public facts of its enrollment record (read from the store here).
 */
async function replaceStoreWithPlainFile(): Promise<void> {
  await close();
  const db = await openAppDatabase({ dataDir: till.dataDir, keyStore: till.keys });
  const record = (await db.rx.collections.settings.findOne(ENROLLMENT_SETTING).exec())!.value;
  await db.close();
  for (const file of await readdir(till.dataDir))
    if (file.startsWith('outpost.sqlite')) await rm(join(till.dataDir, file));
  await writeFile(join(till.dataDir, 'enrollment.json'), record);
}

describe('the till store deleted or its anchor deleted (#16, pass 10 M-1, L-1)', () => {
  it('M-1: a deleted store and a plain enrollment.json dropped in its place come back rolled back, not enrolled, still locked', async () => {
    await enrolledTill();
    await skimAndLock();
    await replaceStoreWithPlainFile();
    await start();

    // The plain file is not taken in: the till must be enrolled again, by a code.
    expect((await call<Enrollment>('enrollment.get')).state).toBe('not_enrolled');
    expect(await readdir(till.dataDir)).not.toContain('enrollment.json');
    // The keychain's memory comes over to the new store: the lockout, the lost sale, the stop.
    await call('pos.cashier.set', { cashierId: 'evil', name: 'E', role: 'manager', pin: '9999' });
    expect(await codeOf(signIn('evil', '9999'))).toBe('OVERRIDE_LOCKED');
    const anchor = await anchored();
    expect(anchor.rollback).toMatchObject({ till: true, reader: true });
    expect(anchor.sale?.seq).toBe(2);
    expect(anchor.lost.map((h) => h.seq)).toEqual([2]);
  });

  // Eleventh pass L-2: with the keychain's anchor entry deleted too, the start looked like a new
  // install, which took the plain file in: the till came back enrolled under its old id with no
  // code, its lockout and unsynced sale gone. The plain file is now never read.
  it('L-2: a deleted store, a deleted anchor entry and a plain enrollment.json come back not enrolled', async () => {
    await enrolledTill();
    await skimAndLock();
    await replaceStoreWithPlainFile();
    await till.keys.delete(anchorAccount('outpost'));
    await start();

    expect((await call<Enrollment>('enrollment.get')).state).toBe('not_enrolled');
    expect(await readdir(till.dataDir)).not.toContain('enrollment.json');
  });

  it('L-1: a copy put back with the keychain anchor entry deleted is a rollback, not a first start', async () => {
    await enrolledTill();
    let starts = 0;
    await putBackAfter(
      till.dataDir,
      {
        close,
        async start() {
          // The second start is on the copy put back: the attacker deletes the one keychain entry.
          if (++starts === 2) await till.keys.delete(anchorAccount('outpost'));
          await start();
        },
      },
      skimAndLock,
    );
    expect((await nextOf<PendingBanner>(till.core!, 'pos.pending', () => true)).count).toBe(0);
    await signIn('m1', '1234');
    expect(await codeOf(sale('y', 1_000))).toBe('STORE_ROLLED_BACK');
    expect((await anchored()).rollback).toMatchObject({ till: true, reader: true });
  });
});
