import { distinctUntilChanged, filter, map, Subject, takeUntil } from 'rxjs';
import type { Settings } from '../../protocol/api';
import { ApiError } from '../../protocol/api';
import { KeytarKeyStore } from '../../native/keystore';
import type { ApiHandlers } from './api/handlers';
import { startModules, type CoreOptions, type MissingModules } from './api/module';
import { storeOpenRefusal } from './api/store-refusal';
import { DEFAULT_SERVER_URL, type CoreConfig } from './config';
import { deployModule } from './deploy/module';
import { PINNED_SERVER_SIGNING_KEY } from './deploy/pinned-keys';
import { UpdateStateStore } from './deploy/update-state-store';
import { DeviceService } from './device/device-service';
import { EnrollmentStore } from './device/enrollment-store';
import { deviceModule } from './device/module';
import { hardwareModule } from './hardware/module';
import { ReachabilityMonitor } from './net/reachability';
import { posModule } from './pos/module';
import { qrModule } from './qr/module';
import { ContentSessions } from './reader';
import { libraryModule } from './reader/module';
import { localShopModule } from './local-shop/module';
import { localShopRecorded } from './local-shop/local-shop';
import { ServerHold } from './local-shop/server-hold';
import { serverSigningKey } from '@outpost/terminal-sdk';
import { settingsModule } from './settings/module';
import { SettingsStore } from './settings/settings-store';
import { openAppDatabase, type AppDatabase } from './store/database';
import { RollbackAnchor } from './trust/rollback-anchor';
import { syncModule } from './sync/module';

export type { ApiHandlers } from './api/handlers';
export { callCommand, openSubscription } from './api/dispatch';
export { createSession, type Session } from './api/session';
export {
  defaultDataDir,
  DEFAULT_SERVER_URL,
  localShopLauncher,
  type CoreConfig,
  type LocalShopLauncher,
} from './config';

/**
 * Every feature's module, in start order (each may use what the ones before it offer); closed in
 * reverse. Adding a feature is its contract in protocol/api/contract.ts and its module here.
 */
const MODULES = [
  settingsModule,
  deployModule,
  deviceModule,
  hardwareModule,
  posModule,
  qrModule,
  syncModule,
  libraryModule,
  localShopModule,
] as const;
// A feature of the contract without a module here does not compile.
const everyFeatureHasAModule: [MissingModules<typeof MODULES>] extends [never] ? true : never = true;
void everyFeatureHasAModule;

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
export async function createCore(config: CoreOptions): Promise<Core> {
  const keyStore = config.keyStore ?? new KeytarKeyStore();
  // The app database (sales, catalog, outbox, enrollment, settings…). A keychain or disk failure is
  // reported by every call that needs it rather than stopping the app, as the device identity does.
  let db: AppDatabase | null = null;
  let anchor: RollbackAnchor | null = null;
  let storeError: string | null = null;
  let storeRefusal: ApiError | null = null;
  try {
    db = await openAppDatabase({ dataDir: config.dataDir, keyStore });
    // The store's anti-rollback anchor in the keychain, compared before anything reads the store.
    const opened = db;
    anchor = await RollbackAnchor.open({ keyStore, settings: opened.rx.collections.settings }).catch(
      async (error: unknown) => {
        await opened.close();
        throw error;
      },
    );
  } catch (error) {
    db = null;
    storeError = error instanceof Error ? error.message : String(error);
    storeRefusal = storeOpenRefusal(error);
    console.error('[core] the app database could not be opened', error);
  }
  // Settings and enrollment (server address and keys, offline policy) live in the encrypted store,
  // not in plain files anyone with the disk could edit: issue #16.
  const settings = await SettingsStore.open(
    config.dataDir,
    defaultSettings(config),
    db?.rx.collections.settings ?? null,
  );
  // A recorded local shop holds the till off its address until its own server answers there (#16).
  const serverHold = new ServerHold();
  if (db && (await localShopRecorded(db.rx.collections.settings))) serverHold.hold('it has not started yet.');
  const reachability = new ReachabilityMonitor(settings.current.serverUrl, {
    intervalMs: config.reachabilityIntervalMs ?? 5000,
    ...(config.reachabilityIdleMaxMs ? { idleMaxMs: config.reachabilityIdleMaxMs } : {}),
  });
  reachability.start();
  const settingsSub = settings.changes.subscribe((s) => reachability.retarget(s.serverUrl));

  const enrollmentStore = db
    ? // The old plain enrollment.json is deleted unread (#16, pass 10 M-1, pass 11 L-2).
      await EnrollmentStore.open(db.rx.collections.settings, config.dataDir)
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
  const content = new ContentSessions();
  // Closing stops every module's reaction to the network first, before any module closes.
  const closing = new Subject<void>();

  const modules = await startModules(MODULES, {
    config,
    keyStore,
    db,
    anchor,
    storeError,
    storeRefusal,
    settings,
    reachability,
    enrollmentStore,
    device,
    // Sales and bundles are signed with the same identity DeviceService read from the keychain.
    identity: () => device.signingIdentity(),
    serverKey,
    enrolledServerUrl,
    serverHold,
    content,
    online: reachability.changes.pipe(
      map((r) => r.state),
      distinctUntilChanged(),
      filter((state) => state === 'online'),
      takeUntil(closing),
    ),
  });

  return {
    handlers: modules.handlers,
    config,
    content,
    updateState,
    async close() {
      closing.next();
      settingsSub.unsubscribe();
      await modules.close();
      await db?.close();
      reachability.stop();
      device.close();
      settings.close();
    },
  };
}
