import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeytarKeyStore } from '../../native/keystore';
import { ApiError, type SyncStatus } from '../../protocol/api';
import type { TestServer } from '../../server/testing/harness';
import { createCore, type Core } from '../../src-main/core';
import { callCommand } from '../../src-main/core/api/dispatch';
import { anchorAccount } from '../../src-main/core/trust/rollback-anchor';
import { filter, firstValueFrom, type Observable } from 'rxjs';
import { SN_POLICY_INPUT } from './sn-policy';

/**
 * The code a call was refused with, or `no refusal (…)` when it went through: attack tests compare
 * it with the one refusal they expect, so a call that succeeds fails them with a readable message.
 */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  return error instanceof ApiError ? error.code : `no refusal (${String(error)})`;
}

/**
 * A real app core as a till runs it: its own data directory (encrypted store) and keychain service
 * (the real Secret Service), talking to `serverUrl` (the server, or a proxy in front of it), with
 * no sync timer (tests call sync.now). `extra` adds or overrides options (a pinned server key, …).
 */
export async function tillCore(
  serverUrl: string,
  extra: Partial<Parameters<typeof createCore>[0]> = {},
): Promise<Core> {
  return createCore({
    dataDir: extra.dataDir ?? (await mkdtemp(join(tmpdir(), 'outpost-till-'))),
    appVersion: '0.0.0-test',
    platform: 'linux',
    defaultServerUrl: serverUrl,
    keyStore: new KeytarKeyStore({ service: `outpost-test-${randomUUID()}` }),
    reachabilityIntervalMs: 60_000,
    sync: { intervalMs: 0 },
    ...extra,
  });
}

/** The first item a core's subscription `topic` publishes that `until` accepts. */
export function nextOf<T>(core: Core, topic: string, until: (item: T) => boolean): Promise<T> {
  const open = (core.handlers.subscriptions as unknown as Record<string, (i: unknown) => Observable<T>>)[
    topic
  ]!;
  return firstValueFrom(open({}).pipe(filter(until)));
}

/** The manager `signedIn` creates on a till that has no account yet. */
export const TILL_MANAGER = { cashierId: 'manager', name: 'Till manager', pin: '8642' } as const;

/**
 * A cashier signed in on `core`, as a till is used: the core records no sale, refund, void, shift or
 * drawer move with nobody signed in (issue #18). The account is created first when the till does not
 * have it; on a till with no account it is the first manager, which needs nobody's approval.
 */
export async function signedIn(
  till: Core | ((method: string, input: unknown) => Promise<unknown>),
  cashier: { cashierId: string; name?: string; pin: string } = TILL_MANAGER,
): Promise<void> {
  const call =
    typeof till === 'function'
      ? till
      : (method: string, input: unknown) => callCommand(till.handlers, method, input);
  const { cashiers } = (await call('pos.cashier.list', {})) as { cashiers: { cashierId: string }[] };
  if (!cashiers.some((c) => c.cashierId === cashier.cashierId))
    await call('pos.cashier.set', {
      cashierId: cashier.cashierId,
      name: cashier.name ?? cashier.cashierId,
      role: 'manager',
      pin: cashier.pin,
    });
  await call('pos.cashier.signIn', { cashierId: cashier.cashierId, pin: cashier.pin });
}

/** A pay_admin sets Senegal's policy (SN_POLICY_INPUT) and issues a till enrollment code for `tenantId`. */
export async function tillEnrollmentCode(server: TestServer, tenantId: string): Promise<string> {
  const admin = await server.user(`admin-${randomUUID()}@shop.test`, ['pay_admin']);
  const policy = await server.call('POST', '/offline/policies', {
    token: admin.token,
    body: SN_POLICY_INPUT,
  });
  if (policy.status !== 200) throw new Error(`policy refused: ${policy.status}`);
  const issued = await server.call('POST', '/offline/enrollment-codes', {
    token: admin.token,
    body: { tenant_type: 'merchant', tenant_id: tenantId, country: 'SN', currency_default: 'XOF' },
  });
  return (issued.body as { code: string }).code;
}

/** Deletes what an app core keeps in the keychain service `service` (keys, store key, anchor). */
export async function forgetKeychain(service: string, extra: string[] = []): Promise<void> {
  const keys = new KeytarKeyStore({ service });
  const accounts = ['device:ed25519', 'device:x25519', 'device:install-id', 'db-key:outpost'];
  for (const account of [...accounts, anchorAccount('outpost'), ...extra])
    await keys.delete(account).catch(() => false);
}

/** A one-line cash sale of `priceMinor` (its own sku) on `core`'s till, as the cashier's Pay makes it. */
export const captureCashSale = async (core: Core, priceMinor: number): Promise<{ saleId: string }> =>
  (await callCommand(core.handlers, 'pos.sale.capture', {
    lines: [{ sku: `sku-${priceMinor}`, name: 'Riz', qty: 1, unitPriceMinor: priceMinor, taxRateBp: 0 }],
    tenders: [{ type: 'cash', amountMinor: priceMinor }],
  })) as { saleId: string };

/** Sales the server has answered for, whatever the answer. */
export const settledSales = (s: SyncStatus): number =>
  s.counts.rejected + s.counts.accepted + s.counts.review + s.counts.quarantined;
