import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { DeviceStatus, Enrollment, SyncStatus } from '../../protocol/api';
import { newDevice, signed } from '../../server/testing/harness';
import { loadOrCreateIdentity } from '@outpost/terminal-sdk';
import { readMachineId } from '../../native/device';
import { useDiskTills, type DiskTill } from '../support/disk-till';
import { codeOf, tillEnrollmentCode } from '../support/till';
import { lastPushAnswer } from './tcp-forwarder';

/**
 * A till whose data directory was deleted (disk replaced, profile reset, IT re-imaging) comes back
 * with a fresh code from the back office (issue #16 follow-up). Its identity key stayed in the
 * keychain, so the server knows its id: before, the enrollment answered 409 DEVICE_EXISTS and the
 * rollback stop waited for a check-in the till could not make, for good. Now the same device (same
 * keys and fingerprint, proven by its signature), active and enrolled with its own tenant's code,
 * is enrolled again; a stranger, a revoked till and another tenant's code are not. Real core, real
 * encrypted store, real Secret Service, real server on PostgreSQL.
 */
const world = useDiskTills();

/** One till per attack, with the tenant its codes are issued for. */
let till: DiskTill;
let tenant = '';

const start = () => till.start();
const close = () => till.close();
const call = <T = unknown>(method: string, input: unknown = {}) => till.call<T>(method, input);
const sale = (sku: string, amountMinor: number) => till.sale(sku, amountMinor);
/** The manager `m1` (PIN 1234) signed in, with a shift open: what every sale needs. */
async function onShift(): Promise<void> {
  await call('pos.cashier.set', { cashierId: 'm1', name: 'Awa', role: 'manager', pin: '1234' });
  await call('pos.cashier.signIn', { cashierId: 'm1', pin: '1234' });
  await call('pos.shift.open', { floatMinor: 10_000 });
}

/** How many codes the server records as redeemed by the till (its own record, not the app's). */
async function redemptions(): Promise<number> {
  const { deviceId } = await call<DeviceStatus>('app.status');
  const { rows } = await world.server.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM enrollment_codes WHERE redeemed_at IS NOT NULL AND redeemed_device_id = $1',
    [deviceId],
  );
  return rows[0]!.n;
}

/**
 * An enrolled till whose sale 1 reached the server and whose sale 2 (offline) did not; then its
 * data directory is deleted and the app starts again on the same keychain: not enrolled, stopped.
 */
async function stuckTill(): Promise<void> {
  till = await world.newTill('outpost-till-reenroll-');
  tenant = `shop-${randomUUID()}`;
  world.forwarder.retarget(world.server.url);
  const code = await tillEnrollmentCode(world.server, tenant);
  await start();
  await call('enrollment.redeemCode', { code });
  await onShift();
  expect((await sale('a', 1_000)).seq).toBe(1);
  expect((await call<SyncStatus>('sync.now')).counts.accepted).toBe(1);
  world.forwarder.unplug();
  expect((await sale('x', 40_000)).seq).toBe(2);
  await close();
  await rm(till.dataDir, { recursive: true, force: true });
  await start();
  expect((await call<Enrollment>('enrollment.get')).state).toBe('not_enrolled');
  expect((await call<DeviceStatus>('app.status')).tillStopped).toBe(true);
  world.forwarder.retarget(world.server.url);
}

describe('a till whose data directory was deleted comes back with a new code (#16)', () => {
  it('re-enrolls with its own tenant’s code, stays stopped until Sync now, then sells after the lost sale and the server holds the gap', async () => {
    await stuckTill();
    const code = await tillEnrollmentCode(world.server, tenant);
    const enrolled = await call<Enrollment>('enrollment.redeemCode', { code });
    expect(enrolled).toMatchObject({ state: 'enrolled', mode: 'pos', tenant: { id: tenant } });
    const { deviceId } = await call<DeviceStatus>('app.status');
    const audit = await world.server.pool.query<{ action: string }>(
      "SELECT action FROM offline_audit_logs WHERE target_id = $1 AND action LIKE 'device.%' ORDER BY id",
      [deviceId],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(['device.registered', 'device.reenrolled']);

    // Enrolled again, but the deleted sale 2 is still unaccounted for: no sale before the check-in.
    await onShift();
    expect(await codeOf(sale('y', 1_000))).toBe('STORE_ROLLED_BACK');
    await call('sync.now');
    expect((await call<DeviceStatus>('app.status')).tillStopped).toBe(false);
    expect((await sale('y', 1_000)).seq).toBe(3);
    const status = await call<SyncStatus>('sync.now');
    expect(status.counts.review).toBe(1);
    const answer = lastPushAnswer(world.forwarder);
    expect(answer.status).toBe('review');
    expect(answer.reasons).toContain('SEQUENCE_GAP');
  });

  it('refuses a stranger holding a valid code and the till’s public keys but not its private key, and the code stays unspent', async () => {
    await stuckTill();
    const code = await tillEnrollmentCode(world.server, tenant);
    // What a stranger can know of the till: every public part of its identity.
    const identity = await loadOrCreateIdentity(till.keys, { machineId: readMachineId });
    const body = JSON.stringify({
      code,
      device_id: identity.deviceId,
      pubkey_pem: identity.signingPublicKeyPem,
      x25519_pub: identity.agreementPublicKey,
      fingerprint: identity.fingerprint,
    });
    const stranger = newDevice('STRANGER');
    const attempts = [
      {}, // no signature at all
      signed({ id: identity.deviceId, privateKey: stranger.privateKey }, 'POST', '/offline/enroll', body),
    ];
    for (const headers of attempts) {
      const res = await world.server.call('POST', '/offline/enroll', {
        rawBody: body,
        headers: { 'content-type': 'application/json', ...headers },
      });
      expect(res.status).toBe(401);
      expect((res.body as { error: { code: string } }).error.code).toBe('INVALID_SIGNATURE');
    }
    expect(await redemptions()).toBe(1);
    // The genuine till still enrolls with it.
    expect((await call<Enrollment>('enrollment.redeemCode', { code })).state).toBe('enrolled');
    expect(await redemptions()).toBe(2);
  });

  it('keeps a revoked till out: a new code does not bring it back, and is not spent', async () => {
    await stuckTill();
    const { deviceId } = await call<DeviceStatus>('app.status');
    const admin = await world.server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin']);
    const revoked = await world.server.call('POST', `/offline/tills/${deviceId}/revoke`, {
      token: admin.token,
      body: { reason: 'stolen' },
    });
    expect(revoked.status).toBe(200);
    const code = await tillEnrollmentCode(world.server, tenant);
    expect(await codeOf(call('enrollment.redeemCode', { code }))).toBe('DEVICE_REVOKED');
    expect((await call<Enrollment>('enrollment.get')).state).toBe('not_enrolled');
    expect(await redemptions()).toBe(1);
  });

  it('refuses another tenant’s code: the till stays its own shop’s, and the code is not spent', async () => {
    await stuckTill();
    const code = await tillEnrollmentCode(world.server, `other-shop-${randomUUID()}`);
    expect(await codeOf(call('enrollment.redeemCode', { code }))).toBe('DEVICE_EXISTS');
    expect((await call<Enrollment>('enrollment.get')).state).toBe('not_enrolled');
    expect(await redemptions()).toBe(1);
  });
});
