import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeytarKeyStore } from '../../native/keystore';
import { ApiError } from '../../protocol/api';
import { createCore, type Core } from '../../src-main/core';
import { callCommand } from '../../src-main/core/api/dispatch';
import { filter, firstValueFrom, type Observable } from 'rxjs';

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
    dataDir: await mkdtemp(join(tmpdir(), 'outpost-till-')),
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
