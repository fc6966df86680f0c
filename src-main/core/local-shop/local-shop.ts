import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { RxCollection } from 'rxdb';
import { BehaviorSubject, type Observable } from 'rxjs';
import { z } from 'zod';
import {
  ApiError,
  LOCAL_SHOP_COUNTRIES,
  type LocalShopCreateInput,
  type LocalShopStatus,
} from '../../../protocol/api';
import type { KeyStore } from '../../../native/keystore';
import type { LocalShopLauncher } from '../config';
import type { DeviceService } from '../device/device-service';
import type { EnrollmentStore } from '../device/enrollment-store';
import { callRoute } from '@outpost/terminal-sdk';
import type { SettingsStore } from '../settings/settings-store';
import type { SettingDoc } from '@outpost/terminal-sdk';
import { sampleCatalog, sampleCategories } from './sample-catalog';
import { startLocalServer, type LocalServer } from './server-process';
import type { ServerHold } from './server-hold';

/** The local shop's record in the encrypted store: what it is, never a secret. */
export const LOCAL_SHOP_KEY = 'local-shop';
/** Its server's master secret, in the OS keychain beside the store's key. */
export const LOCAL_SHOP_SECRET_ACCOUNT = 'local-shop:outpost';
/** The one tenant of a local shop: its catalog, its till, its takings. */
export const LOCAL_SHOP_TENANT = { tenant_type: 'merchant', tenant_id: 'local-shop' } as const;
const LocalShopRecord = z.object({
  port: z.number().int().min(1).max(65535),
  shopName: z.string(),
  country: z.string(),
  currency: z.string(),
  ownerEmail: z.string(),
  createdAt: z.string(),
});
type LocalShopRecord = z.infer<typeof LocalShopRecord>;

export interface LocalShopDeps {
  launcher: LocalShopLauncher | undefined;
  /** The app's data directory: the shop's server keeps its data in `local-shop/` under it. */
  dataDir: string;
  keyStore: KeyStore;
  /** The encrypted store's settings collection; null when the store could not be opened. */
  records: RxCollection<SettingDoc> | null;
  settings: SettingsStore;
  device: DeviceService;
  /** The till's enrollment: its server address follows the shop's port when the shop moves. */
  enrollment: Pick<EnrollmentStore, 'current' | 'save'>;
  /** Held while the shop's server is not running: the till talks to nothing at its address then. */
  hold: ServerHold;
  /** A sync round, so the till has the catalog as soon as it is enrolled. */
  syncNow: () => Promise<unknown>;
}

const EMPTY: Omit<LocalShopStatus, 'available'> = {
  state: 'none',
  url: null,
  consoleUrl: null,
  shopName: null,
  country: null,
  currency: null,
  ownerEmail: null,
  error: null,
  busyPort: null,
};

/**
 * The local shop (issue #19, item 11): the server of `server/local-shop.ts` run by this app, on
 * 127.0.0.1 and a port chosen free at creation and kept (the till's enrollment names its address),
 * its data in the app's data directory, its master secret in the OS keychain. Creating it goes
 * through the server's own routes, as an owner would in the back office: the first administrator
 * from the setup link, the country's policy, the sample catalog, an enrollment code this till redeems.
 */
export class LocalShop {
  private readonly status$: BehaviorSubject<LocalShopStatus>;
  private server: LocalServer | null = null;
  private busy = false;
  private closed = false;

  constructor(private readonly deps: LocalShopDeps) {
    this.status$ = new BehaviorSubject<LocalShopStatus>({ available: Boolean(deps.launcher), ...EMPTY });
  }

  get changes(): Observable<LocalShopStatus> {
    return this.status$.asObservable();
  }

  get dir(): string {
    return join(this.deps.dataDir, 'local-shop');
  }

  /**
   * At the app's start: a shop created before starts again, with its data, on its port; where
   * something else holds that port now (another local account can bind it while the app is closed),
   * on a new one the shop's own process binds (port 0), and the till's address follows it. Until the
   * shop's server answers, and while it is down, the till talks to nothing at that address (#16).
   */
  async resume(): Promise<void> {
    let record = await this.record();
    if (!record) return;
    this.deps.hold.hold('it has not started yet.');
    if (!this.deps.launcher) {
      const reason = 'this copy of the app cannot run it.';
      this.deps.hold.hold(reason);
      this.publish(record, 'failed', null, reason);
      return;
    }
    this.publish(record, 'starting');
    let busyPort: number | null = null;
    try {
      let server: LocalServer;
      try {
        server = await this.launch(record.port);
      } catch (error) {
        if (!/EADDRINUSE/.test(messageOf(error))) throw error;
        busyPort = record.port;
        server = await this.launch(0);
        record = { ...record, port: Number(new URL(server.url).port) };
        await this.deps.records!.upsert({
          key: LOCAL_SHOP_KEY,
          value: JSON.stringify(record),
          updatedAt: Date.now(),
        });
      }
      await this.follow(server.url);
      this.deps.hold.release();
      this.publish(record, 'running', server.url, null, busyPort);
      void this.deps.syncNow().catch(() => undefined);
    } catch (error) {
      this.deps.hold.hold(messageOf(error));
      this.publish(record, 'failed', null, messageOf(error), busyPort);
    }
  }

  /**
   * The till's server address, and its enrollment's, set to where the shop's own process listens:
   * its sales go to the server of its enrollment, and a start on another port would strand them.
   */
  private async follow(url: string): Promise<void> {
    if (this.deps.settings.current.serverUrl !== url) await this.deps.settings.update({ serverUrl: url });
    const enrolled = this.deps.enrollment.current;
    const was = enrolled.enrollment.serverUrl;
    if (was !== null && was !== url && new URL(was).hostname === '127.0.0.1')
      await this.deps.enrollment.save({
        ...enrolled,
        enrollment: { ...enrolled.enrollment, serverUrl: url },
      });
  }

  async create(input: LocalShopCreateInput): Promise<LocalShopStatus> {
    const { launcher, records } = this.deps;
    if (!launcher)
      throw new ApiError('LOCAL_SHOP_UNAVAILABLE', 'This copy of the app cannot run a local shop.');
    if (!records) throw new ApiError('STORE_UNAVAILABLE', 'The app database could not be opened.');
    if (this.busy || (await this.record()))
      throw new ApiError('LOCAL_SHOP_EXISTS', 'This computer already runs a local shop.');
    if (this.deps.device.enrollment.state !== 'not_enrolled')
      throw new ApiError('CONFLICT', 'This device is already enrolled with a server.');
    this.busy = true;
    const country = LOCAL_SHOP_COUNTRIES[input.country];
    const record: LocalShopRecord = {
      port: await freePort(),
      shopName: input.shopName,
      country: input.country,
      currency: country.currency,
      ownerEmail: input.ownerEmail.toLowerCase(),
      createdAt: new Date().toISOString(),
    };
    const previousUrl = this.deps.settings.current.serverUrl;
    this.publish(record, 'starting');
    try {
      // Nothing of an earlier attempt that failed half-way: this is a new shop.
      await rm(this.dir, { recursive: true, force: true });
      const server = await this.launch(record.port);
      const code = await this.seed(server, record, input.ownerPassword);
      // Recorded before the till enrolls with it: an app stopped in between starts its shop again.
      await records.upsert({ key: LOCAL_SHOP_KEY, value: JSON.stringify(record), updatedAt: Date.now() });
      await this.deps.settings.update({ serverUrl: server.url, currency: record.currency });
      await this.deps.device.redeemCode(server.url, code);
      this.publish(record, 'running', server.url);
      void this.deps.syncNow().catch(() => undefined);
      return this.status$.value;
    } catch (error) {
      await this.stopServer();
      await (await records.findOne(LOCAL_SHOP_KEY).exec())?.remove();
      await rm(this.dir, { recursive: true, force: true }).catch(() => undefined);
      if (this.deps.settings.current.serverUrl !== previousUrl)
        await this.deps.settings.update({ serverUrl: previousUrl }).catch(() => undefined);
      this.status$.next({ available: true, ...EMPTY, error: messageOf(error) });
      if (error instanceof ApiError) throw error;
      throw new ApiError('LOCAL_SHOP_FAILED', `The local shop could not be created: ${messageOf(error)}`);
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stopServer();
    this.status$.complete();
  }

  /**
   * What an owner would do in the back office on a new server, through the same routes: the first
   * administrator from the setup link, signed in; the policy, the sample catalog and the shop's
   * name; a one-time enrollment code for this till. The tokens are signed out and never kept.
   */
  private async seed(server: LocalServer, record: LocalShopRecord, password: string): Promise<string> {
    const token = server.setupUrl && new URL(server.setupUrl).hash.replace(/^#setup=/, '');
    if (!token) throw new Error('the new local server already has users');
    const url = server.url;
    const email = record.ownerEmail;
    await callRoute(url, 'setup', { body: { token, email, password } });
    const session = await callRoute(url, 'signIn', { body: { email, password } });
    const bearer = session.access_token;
    const country = LOCAL_SHOP_COUNTRIES[record.country as keyof typeof LOCAL_SHOP_COUNTRIES];
    try {
      await callRoute(url, 'upsertPolicy', {
        bearer,
        body: {
          country: record.country,
          currency: record.currency,
          max_offline_amount: country.limits.offline,
          max_offline_per_device_per_day: 200,
          max_unsynced_amount: country.limits.unsynced,
          max_bundle_age_hours: 72,
          approval_threshold: country.limits.approval,
          enabled: true,
        },
      });
      await callRoute(url, 'setCategories', {
        bearer,
        body: { ...LOCAL_SHOP_TENANT, categories: sampleCategories(country.language) },
      });
      const csv = sampleCatalog(
        await readFile(this.deps.launcher!.sampleCatalogFile, 'utf8'),
        record.currency,
        country.sampleScale,
        country.language,
      );
      await callRoute(url, 'importCatalog', { bearer, body: { ...LOCAL_SHOP_TENANT, csv } });
      await callRoute(url, 'setShop', {
        bearer,
        body: { ...LOCAL_SHOP_TENANT, name: record.shopName, address: null, tax_id: null },
      });
      const issued = await callRoute(url, 'createEnrollmentCode', {
        bearer,
        body: {
          ...LOCAL_SHOP_TENANT,
          country: record.country,
          currency_default: record.currency,
          label: 'This computer (local shop)',
          expires_in_hours: 1,
        },
      });
      return issued.code;
    } finally {
      await callRoute(url, 'signOut', { body: { refresh_token: session.refresh_token } }).catch(
        () => undefined,
      );
    }
  }

  private async launch(port: number): Promise<LocalServer> {
    const server = await startLocalServer(this.deps.launcher!, {
      dataDir: this.dir,
      port,
      masterSecret: await this.masterSecret(),
    });
    this.server = server;
    void server.exited.then((reason) => {
      if (this.server !== server || this.closed) return;
      this.server = null;
      const current = this.status$.value;
      // Its port is free for anyone now: the till stops talking to it (#16).
      this.deps.hold.hold(reason);
      if (current.state === 'running') this.status$.next({ ...current, state: 'failed', error: reason });
    });
    return server;
  }

  private async stopServer(): Promise<void> {
    const server = this.server;
    this.server = null;
    await server?.stop();
  }

  /** The shop server's master secret: made once, kept in the OS keychain, handed over the IPC channel. */
  private async masterSecret(): Promise<Buffer> {
    const kept = await this.deps.keyStore.get(LOCAL_SHOP_SECRET_ACCOUNT);
    if (kept?.length === 32) return kept;
    const secret = randomBytes(32);
    await this.deps.keyStore.set(LOCAL_SHOP_SECRET_ACCOUNT, secret);
    return secret;
  }

  private async record(): Promise<LocalShopRecord | null> {
    const doc = await this.deps.records?.findOne(LOCAL_SHOP_KEY).exec();
    if (!doc) return null;
    const parsed = LocalShopRecord.safeParse(JSON.parse(doc.value));
    return parsed.success ? parsed.data : null;
  }

  private publish(
    record: LocalShopRecord,
    state: LocalShopStatus['state'],
    url: string | null = null,
    error: string | null = null,
    busyPort: number | null = null,
  ): void {
    this.status$.next({
      available: Boolean(this.deps.launcher),
      state,
      url,
      consoleUrl: url && `${url}/admin/`,
      shopName: record.shopName,
      country: record.country,
      currency: record.currency,
      ownerEmail: record.ownerEmail,
      error,
      busyPort,
    });
  }
}

/** Whether a local shop was created in this store (the core holds the till off its address until it runs). */
export async function localShopRecorded(records: RxCollection<SettingDoc>): Promise<boolean> {
  return (await records.findOne(LOCAL_SHOP_KEY).exec()) !== null;
}

/** A TCP port nothing listens on at this moment, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((done) => probe.close(done));
  return port;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
