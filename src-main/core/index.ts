import { BehaviorSubject, distinctUntilChanged, filter, firstValueFrom, map, throwError } from 'rxjs';
import type { Settings } from '../../protocol/api';
import { ApiError } from '../../protocol/api';
import { KeytarKeyStore } from '../../native/keystore';
import type { ApiHandlers } from './api/handlers';
import { DEFAULT_SERVER_URL, type CoreConfig } from './config';
import { DeviceService } from './device/device-service';
import { applyProvisioning, enforcedEnrollment, provisioningView } from './deploy/provisioning';
import { EnrollmentStore } from './device/enrollment-store';
import { deviceStatus } from './device/status';
import { ReachabilityMonitor } from './net/reachability';
import { ManagerPins } from './pos/manager-pin';
import { PosService } from './pos/pos-service';
import { guardedByBarcode, refuseCardDataInSale, refuseCardDataQuery } from './pos/card-data-guard';
import { qrHandlers } from './pos/qr-handlers';
import { QrService } from './pos/qr-service';
import { SettingsStore } from './settings/settings-store';
import { UpdateStateStore } from './deploy/update-state-store';
import { appliedInMemory, appliedInStore } from './deploy/applied-provisioning-store';
import { openAppDatabase, type AppDatabase } from './store/database';
import { addPosCollections } from './store/schemas/pos';
import { SyncService, type SyncOptions } from './sync/sync-service';
import { ContentSessions, createReader, libraryHandlers, type Reader } from './reader';
import { serverSigningKey } from './trust/server-key';
import { PINNED_SERVER_SIGNING_KEY } from './deploy/pinned-keys';
import type { HardwareServiceOptions } from './hardware/hardware-service';
import { findSale, hardwareHandlers, startHardware } from './hardware/handlers';

export type { ApiHandlers } from './api/handlers';
export { callCommand, openSubscription } from './api/dispatch';
export { createSession, type Session } from './api/session';
export { defaultDataDir, DEFAULT_SERVER_URL, type CoreConfig } from './config';

export interface Core {
  readonly handlers: ApiHandlers;
  readonly config: CoreConfig;
  /** Opened materials' decrypted streams, for the transport's content route (shell or browser host). */
  readonly content: ContentSessions;
  /** The updater's anti-rollback memory, in the encrypted store (src-main/shell/start-updates.ts). */
  readonly updateState: UpdateStateStore;
  close(): Promise<void>;
}

export function defaultSettings(config: Pick<CoreConfig, 'defaultServerUrl'>): Settings {
  return {
    locale: 'en',
    serverUrl: config.defaultServerUrl || DEFAULT_SERVER_URL,
    currency: 'XOF',
    terminalName: 'Till 1',
  };
}

/** Builds the app core: plain Node, no Electron, so the shell and the browser host share it. */
export async function createCore(
  config: CoreConfig & { sync?: SyncOptions; hardware?: HardwareServiceOptions },
): Promise<Core> {
  const keyStore = config.keyStore ?? new KeytarKeyStore();
  // The app database (sales, catalog, outbox, enrollment, settings…). A keychain or disk failure is
  // reported by every call that needs it rather than stopping the app, as the device identity does.
  let db: AppDatabase | null = null;
  let storeError: string | null = null;
  try {
    db = await openAppDatabase({ dataDir: config.dataDir, keyStore });
  } catch (error) {
    storeError = error instanceof Error ? error.message : String(error);
    console.error('[core] the app database could not be opened', error);
  }
  // Settings and enrollment (server address and keys, offline policy) live in the encrypted store,
  // not in plain files anyone with the disk could edit: issue #16.
  const settings = await SettingsStore.open(
    config.dataDir,
    defaultSettings(config),
    db?.rx.collections.settings ?? null,
  );
  const reachability = new ReachabilityMonitor(settings.current.serverUrl, {
    intervalMs: config.reachabilityIntervalMs ?? 5000,
  });
  reachability.start();

  const enrollmentStore = db
    ? await EnrollmentStore.open(db.rx.collections.settings, config.dataDir)
    : EnrollmentStore.unavailable(storeError ?? 'unknown');
  // The updater's anti-rollback state too: deleting a plain file must not allow a downgrade.
  const updateState = db
    ? await UpdateStateStore.open(config.dataDir, db.rx.collections.settings)
    : UpdateStateStore.unavailable(storeError ?? 'unknown');
  const enrolledServerUrl = () => {
    const { enrollment } = enrollmentStore.current;
    return enrollment.state === 'enrolled' ? enrollment.serverUrl : null;
  };
  const buildPinnedKeyPem =
    config.serverSigningKeyPem === undefined ? PINNED_SERVER_SIGNING_KEY : config.serverSigningKeyPem;
  // The one server key the reader's licences and the till's signed policy and time are checked
  // against: the build's, else the one pinned in the encrypted store (trust/server-key.ts).
  const serverKey = async (enrolledKeyPem?: string) => {
    if (!db)
      throw new ApiError(
        'STORE_UNAVAILABLE',
        `The app database could not be opened: ${storeError ?? 'unknown'}.`,
      );
    return serverSigningKey({
      settings: db.rx.collections.settings,
      buildPinnedPem: buildPinnedKeyPem,
      enrolledKeyPem: () => enrolledKeyPem ?? enrollmentStore.current.server?.signingPublicKeyPem ?? null,
      serverUrl: enrolledServerUrl,
      trustOnFirstUse: config.trustServerKeyOnFirstUse ?? true,
    });
  };
  const device = new DeviceService(keyStore, enrollmentStore, config.platform, serverKey);
  await device.start();
  // The last applied provisioning (its issued_at refuses older files) is in the store as well.
  const provisioning = await applyProvisioning(
    { settings, device },
    {
      dataDir: config.dataDir,
      applied: db ? await appliedInStore(config.dataDir, db.rx.collections.settings) : appliedInMemory(),
      ...config.provisioning,
    },
  );
  const provisioning$ = new BehaviorSubject(provisioningView(provisioning));
  const enforced = enforcedEnrollment(provisioning);
  // Sales and bundles are signed with the same identity DeviceService read from the keychain.
  const identity = () => device.signingIdentity();

  // The server address, from the settings in the encrypted store (no plain file redirects sales).
  const serverUrl = () => settings.current.serverUrl;
  const settingsSub = settings.changes.subscribe((s) => reachability.retarget(s.serverUrl));
  let pos: PosService | null = null;
  let sync: SyncService | null = null;
  let qr: QrService | null = null;
  try {
    if (!db) throw new Error(storeError ?? 'unknown');
    const extra = await addPosCollections(db.rx);
    const collections = { ...db.rx.collections, ...extra };
    pos = new PosService({
      collections,
      pins: new ManagerPins(collections.settings),
      // IT's provisioned policy defaults stand in until the server's policy arrives.
      enrollment: () => enforced(enrollmentStore.current),
      enrollmentChanges: enrollmentStore.changes.pipe(map(enforced)),
      deviceId: async () => (await identity()).deviceId,
      online: () => reachability.current.state === 'online',
      fallbackCurrency: () => settings.current.currency,
      onRecorded: () => sync?.kick(),
    });
    // Payment QR codes (issue 4, item 6): signed requests, verified customer payments.
    qr = new QrService({
      settings: collections.settings,
      audit: collections.audit,
      identity,
      enrollment: () => enrollmentStore.current,
      currency: () => pos?.currency() ?? settings.current.currency,
      serverUrl,
      online: () => reachability.current.state === 'online',
    });
    sync = new SyncService({
      collections,
      identity,
      enrollment: enrollmentStore,
      enrollmentChanges: enrollmentStore.changes,
      reachability,
      serverUrl,
      serverKey,
      ...(config.sync ? { options: config.sync } : {}),
    });
    await sync.start();
  } catch (error) {
    storeError ??= error instanceof Error ? error.message : String(error);
    if (db) console.error('[core] the sales services could not be started', error);
  }
  const needPos = (): PosService => {
    if (!pos)
      throw new ApiError(
        'STORE_UNAVAILABLE',
        `The sales database could not be opened: ${storeError ?? 'unknown'}.`,
      );
    return pos;
  };
  const needSync = (): SyncService => {
    if (!sync)
      throw new ApiError(
        'STORE_UNAVAILABLE',
        `The sales database could not be opened: ${storeError ?? 'unknown'}.`,
      );
    return sync;
  };
  const fail = () =>
    throwError(
      () =>
        new ApiError(
          'STORE_UNAVAILABLE',
          `The sales database could not be opened: ${storeError ?? 'unknown'}.`,
        ),
    );
  // Reader (issue 5): licences, encrypted copies, secure clock, content; see docs/reader.md.
  const content = new ContentSessions();
  let reader: Reader | null = null;
  let readerError = storeError;
  if (db) {
    try {
      reader = await createReader({
        dataDir: config.dataDir,
        collections: db.rx.collections,
        identity,
        serverUrl: enrolledServerUrl,
        serverKey,
        content,
        ...(config.clock ? { clock: config.clock } : {}),
      });
    } catch (error) {
      readerError = error instanceof Error ? error.message : String(error);
      console.error('[core] the library could not be opened', error);
    }
  }
  const needReader = (): Reader => {
    if (!reader)
      throw new ApiError(
        'STORE_UNAVAILABLE',
        `The library could not be opened: ${readerError ?? 'unknown'}.`,
      );
    return reader;
  };
  // Renewal and revocation happen at the next contact: each return of the network is one.
  const libraryOnlineSub = reachability.changes
    .pipe(
      map((r) => r.state),
      distinctUntilChanged(),
      filter((state) => state === 'online'),
    )
    .subscribe(() => void reader?.library.reconnected());

  // Each return of the network is a chance to learn of a revocation and to fetch server time.
  const checkInSub = reachability.changes
    .pipe(
      map((r) => r.state),
      distinctUntilChanged(),
      filter((state) => state === 'online'),
    )
    .subscribe(() => {
      device.checkIn().catch((error: unknown) => console.warn('[core] check-in failed', error));
      // Issuer keys kept for verifying payment QR codes while offline; a till not enrolled has none.
      qr?.refreshIssuers().catch(() => undefined);
      // A provisioned terminal that was offline at first start enrolls as soon as it can.
      if (provisioning.status === 'applied' && provisioning$.value.message !== null) {
        void provisioning
          .enroll()
          .then((result) => provisioning$.next(provisioningView({ ...provisioning, enrollment: result })));
      }
    });

  const status$ = deviceStatus({
    appVersion: config.appVersion,
    platform: config.platform,
    startedAt: new Date().toISOString(),
    settings: settings.changes,
    reachability: reachability.changes,
    identity: device.identityView,
    enrollment: device.enrollmentChanges,
    provisioning: provisioning$,
  });

  // POS hardware (issue 6): card reader, scanner, receipt printer; docs/hardware.md.
  // A scanned number that may be a card's sells only if the catalog has it (docs/hardware.md).
  // Its choices (the demo switch above all) live in the encrypted store, never a plain file (#16).
  const hardware = await startHardware(
    config.dataDir,
    db?.rx.collections.settings ?? null,
    keyStore,
    config.hardware,
    async (code) => (pos ? (await pos.byBarcode(code)) !== null : false),
  );
  const hw = hardwareHandlers({
    service: hardware,
    sale: async (saleId) => {
      needPos();
      return db ? findSale(db.rx.collections.sales, saleId) : null;
    },
    receiptContext: () => settings.current,
  });

  const handlers: ApiHandlers = {
    commands: {
      'app.status': () => firstValueFrom(status$),
      'settings.get': async () => settings.current,
      'settings.update': (patch) => settings.update(patch),
      'enrollment.get': async () => device.enrollment,
      'enrollment.redeemCode': ({ code }) => device.redeemCode(settings.current.serverUrl, code),
      'enrollment.registerLaptop': (input) => device.registerLaptop(settings.current.serverUrl, input),
      'enrollment.checkIn': () => device.checkIn(),
      'pos.catalog.search': async ({ query, limit }) => {
        refuseCardDataQuery(query);
        return { items: await needPos().searchCatalog(query, limit) };
      },
      'pos.catalog.byBarcode': async ({ barcode }) => ({
        item: await guardedByBarcode(barcode, (code) => needPos().byBarcode(code)),
      }),
      'pos.sale.capture': async (input) => {
        refuseCardDataInSale(input);
        return needPos().capture(input);
      },
      'pos.sale.refund': async (input) => {
        refuseCardDataInSale(input);
        return needPos().refund(input);
      },
      'pos.sale.void': async (input) => {
        refuseCardDataInSale(input);
        return needPos().void(input);
      },
      'pos.shift.open': ({ floatMinor }) => needPos().openShift(floatMinor),
      'pos.shift.close': ({ countedCashMinor }) => needPos().closeShift(countedCashMinor),
      'pos.managerPin.set': (input) => needPos().setManagerPin(input),
      'sync.now': () => needSync().syncNow(),
      ...qrHandlers(() => {
        needPos();
        // Built right after the POS service, so it exists whenever that does.
        return qr as QrService;
      }),
      ...libraryHandlers(needReader),
      ...hw.commands,
    },
    subscriptions: {
      'device.status': () => status$,
      'settings.changes': () => settings.changes,
      'pos.pending': () => (pos ? pos.pending() : fail()),
      'sync.status': () => (sync ? sync.changes : fail()),
      'pos.shift.current': () => (pos ? pos.currentShift() : fail()),
      'pos.sales.recent': ({ limit }) => (pos ? pos.recentSales(limit) : fail()),
      'library.items': () =>
        reader
          ? reader.library.items()
          : throwError(
              () =>
                new ApiError(
                  'STORE_UNAVAILABLE',
                  `The library could not be opened: ${readerError ?? 'unknown'}.`,
                ),
            ),
      ...hw.subscriptions,
    },
  };

  return {
    handlers,
    config,
    content,
    updateState,
    async close() {
      settingsSub.unsubscribe();
      checkInSub.unsubscribe();
      libraryOnlineSub.unsubscribe();
      await reader?.close();
      provisioning$.complete();
      sync?.stop();
      await hardware.close();
      // Sales being written finish first: a sale acknowledged to the cashier is on disk.
      await pos?.idle();
      await db?.close();
      reachability.stop();
      device.close();
      settings.close();
    },
  };
}
