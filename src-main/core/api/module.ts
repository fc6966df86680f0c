import type { KeyObject } from 'node:crypto';
import { throwError, type Observable } from 'rxjs';
import { ApiError, FEATURES, type FeatureName } from '../../../protocol/api';
import type { KeyStore } from '../../../native/keystore';
import type { CoreConfig } from '../config';
import type { DeviceService } from '../device/device-service';
import type { EnrollmentStore } from '../device/enrollment-store';
import type { DeviceIdentity } from '@outpost/terminal-sdk';
import type { ReachabilityMonitor } from '../net/reachability';
import type { ContentSessions } from '../reader/content';
import type { ServerHold } from '../local-shop/server-hold';
import type { SettingsStore } from '../settings/settings-store';
import type { AppDatabase } from '../store/database';
import type { RollbackAnchor } from '../trust/rollback-anchor';
import type { SyncOptions, SyncService } from '@outpost/terminal-sdk';
import type { HardwareService, HardwareServiceOptions } from '../hardware/hardware-service';
import type { EnrollmentRecord } from '../device/enrollment-store';
import type { PosService } from '../pos/pos-service';
import type { QrService } from '../pos/qr-service';
import type { TillClock } from '../pos/till-clock';
import type { Reader } from '../reader/index';
import type { PosCollections } from '../store/schemas/pos';
import type { ApiHandlers, FeatureHandlers } from './handlers';

/**
 * Feature modules (the VS Code idea of contributions, without dependency injection): each feature's
 * `module.ts` contributes its handlers, its collections, a start and a close. The core starts them
 * from one list (src-main/core/index.ts) over what every feature shares, closes them in reverse, and
 * gates a module that could not start here, once.
 */

export type CoreOptions = CoreConfig & { sync?: SyncOptions; hardware?: HardwareServiceOptions };

/** What every module is started with: the core's shared parts, and what modules started before it offer. */
export interface CoreContext {
  readonly config: CoreOptions;
  readonly keyStore: KeyStore;
  /** Null when the encrypted store could not be opened (keychain or disk); `storeError` says why. */
  readonly db: AppDatabase | null;
  /** The store's anti-rollback anchor in the keychain (trust/rollback-anchor.ts); null with `db`. */
  readonly anchor: RollbackAnchor | null;
  readonly storeError: string | null;
  /**
   * When the store did not open for a reason the user can act on (STORE_DISK_FULL, with its
   * figures), what the gated features answer instead of STORE_UNAVAILABLE (api/store-refusal.ts).
   */
  readonly storeRefusal?: ApiError | null;
  readonly settings: SettingsStore;
  readonly reachability: ReachabilityMonitor;
  readonly enrollmentStore: EnrollmentStore;
  readonly device: DeviceService;
  /** Sales, bundles, requests and licences are signed with this identity, from the keychain. */
  readonly identity: () => Promise<DeviceIdentity>;
  /** The server key signed answers verify against (trust/server-key.ts). */
  readonly serverKey: (enrolledKeyPem?: string) => Promise<KeyObject>;
  /** The server of this device's enrollment, null when not enrolled. */
  readonly enrolledServerUrl: () => string | null;
  /** Set while the local shop's server is not running: nothing talks to the till's server then. */
  readonly serverHold: ServerHold;
  /** Opened materials' decrypted streams, for the transports' content routes. */
  readonly content: ContentSessions;
  /** Each return of the network: a chance to check in, renew, refresh. */
  readonly online: Observable<unknown>;
  /**
   * What a started module offers the others (a module started later is there by the time a call
   * arrives). `need` throws, with the reason a module could not start, when it is not there.
   */
  readonly offered: Partial<Offered>;
  need<K extends keyof Offered>(name: K): Offered[K];
}

/** What modules offer each other, by name; a module adds its own entry here. */
export interface Offered {
  pos: PosService;
  /** The app database's collections with the till's own (shifts, outbox, audit). */
  salesCollections: AppDatabase['rx']['collections'] & PosCollections;
  sync: SyncService;
  /** The till's clock for money: limits, sale and bundle stamps (pos/till-clock.ts). */
  tillClock: TillClock;
  qr: QrService;
  hardware: HardwareService;
  deploy: DeployOffer;
  reader: Reader;
}

/** What deployment offers: IT's provisioning as the status shows it, and its enrollment defaults. */
export interface DeployOffer {
  readonly view: Observable<{
    state: 'absent' | 'applied' | 'refused';
    message: string | null;
    features: ('pos' | 'library')[];
  }>;
  /** The enrollment with IT's provisioned policy defaults standing in until the server's arrives. */
  readonly enforced: (record: EnrollmentRecord) => EnrollmentRecord;
}

export interface StartedModule<F extends FeatureName> extends FeatureHandlers<F> {
  /** What this module offers the ones started after it. */
  offers?: Partial<Offered>;
  close?(): void | Promise<void>;
}

export interface CoreModule<F extends FeatureName> {
  readonly feature: F;
  /**
   * What its calls answer STORE_UNAVAILABLE with when it cannot start ("The sales database"); a
   * module without it stops the core instead.
   */
  readonly unavailable?: string;
  start(context: CoreContext): Promise<StartedModule<F>>;
}

/** Every command and subscription of a feature refusing with STORE_UNAVAILABLE (or `because`): the one gate. */
export function unavailableFeature<F extends FeatureName>(
  feature: F,
  message: string,
  because?: ApiError,
): FeatureHandlers<F> {
  // A fresh error per call (its own stack), from the one the store's failure was mapped to.
  const refusal = () =>
    because ? ApiError.fromBody(because.toBody()) : new ApiError('STORE_UNAVAILABLE', message);
  const contract = FEATURES[feature];
  const commands = Object.fromEntries(
    Object.keys(contract.commands).map((name) => [name, () => Promise.reject(refusal())]),
  );
  const subscriptions = Object.fromEntries(
    Object.keys(contract.subscriptions).map((name) => [name, () => throwError(refusal)]),
  );
  return { commands, subscriptions } as unknown as FeatureHandlers<F>;
}

/** A list of modules, one per feature of the contract, in start order. */
export type ModuleList = readonly CoreModule<FeatureName>[];

/** The compiler's check that the list has a module for every feature of the contract. */
export type MissingModules<L extends ModuleList> = Exclude<FeatureName, L[number]['feature']>;

export interface RunningModules {
  handlers: ApiHandlers;
  close(): Promise<void>;
}

/** Starts the modules in order; a gated one answers STORE_UNAVAILABLE; closes them in reverse. */
export async function startModules(
  modules: ModuleList,
  base: Omit<CoreContext, 'offered' | 'need'>,
): Promise<RunningModules> {
  const offered: Partial<Offered> = {};
  // Why the first gated module could not start: the ones needing what it would offer say the same.
  let failure: string | null = null;
  const context: CoreContext = {
    ...base,
    offered,
    need(name) {
      const found = offered[name];
      if (found === undefined) throw new Error(failure ?? base.storeError ?? `${name} is not available`);
      return found as Offered[typeof name];
    },
  };
  const parts: FeatureHandlers<FeatureName>[] = [];
  const closers: Array<() => void | Promise<void>> = [];
  for (const module of modules) {
    let started: StartedModule<FeatureName>;
    try {
      started = await module.start(context);
    } catch (error) {
      if (module.unavailable === undefined) {
        await closeAll(closers);
        throw error;
      }
      const reason = error instanceof Error ? error.message : String(error);
      if (base.db) console.error(`[core] the ${module.feature} module could not be started`, error);
      failure ??= reason;
      const because = base.db ? undefined : (base.storeRefusal ?? undefined);
      parts.push(
        unavailableFeature(module.feature, `${module.unavailable} could not be opened: ${reason}.`, because),
      );
      continue;
    }
    Object.assign(offered, started.offers);
    parts.push(started);
    if (started.close) closers.push(started.close.bind(started));
  }
  const handlers = {
    commands: Object.assign({}, ...parts.map((p) => p.commands)) as ApiHandlers['commands'],
    subscriptions: Object.assign({}, ...parts.map((p) => p.subscriptions)) as ApiHandlers['subscriptions'],
  };
  return { handlers, close: () => closeAll(closers) };
}

async function closeAll(closers: Array<() => void | Promise<void>>): Promise<void> {
  for (const close of [...closers].reverse()) {
    try {
      await close();
    } catch (error) {
      console.error('[core] a module failed to close', error);
    }
  }
}
