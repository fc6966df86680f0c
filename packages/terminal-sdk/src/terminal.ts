import { randomUUID, type KeyObject } from 'node:crypto';
import { createRxDatabase, type RxDatabase, type RxStorage } from 'rxdb';
import { BehaviorSubject, NEVER, type Observable } from 'rxjs';
import { z } from 'zod';
import { ApiError, isAllowedServerUrl, type Enrollment, type SyncStatus } from '../../../protocol/api';
import { GENESIS_HEAD, saleHash, type ChainHead } from '../../../protocol/bundle/chain';
import type { Sale } from '../../../protocol/bundle/sale';
import { SALE_SYNC_STATE, type SaleSyncState } from '../../../protocol/states';
import { EnrollmentRecord, enrollWithCode, NOT_ENROLLED } from './device/enrollment';
import { loadOrCreateIdentity, type DeviceIdentity } from './device/identity';
import { serverSigningKey } from './device/server-key';
import type { KeyStore } from './key-store';
import { checkedSale, computeLine, saleDocument, sumTotals } from './sale/record';
import { terminalPaymentRequest } from './sale/qr';
import { addTerminalCollections, type TerminalCollections } from './store/collections';
import { SyncService } from './sync/sync-service';

/** Settings key of the enrollment record (the app keeps its own under the same key). */
const ENROLLMENT_KEY = 'device.enrollment';

/** What `initialize` takes besides the storage and the key store (checked at the edge). */
export const TerminalOptions = z.object({
  /** The server's address: https, or http on loopback only. */
  serverUrl: z.string().refine(isAllowedServerUrl, 'https://, or http:// on 127.0.0.1 or localhost'),
  /** What the terminal says it runs on at enrollment. */
  platform: z.string().min(1).max(64).default('outpost-terminal-sdk'),
  /**
   * The server's Ed25519 signing key (PEM), obtained out of band (from the server's operator, built
   * into your app). Without it the terminal pins whatever key the enrollment answer carries: the
   * one-time code does not authenticate that answer (it proves the terminal to the server, not the
   * server to the terminal), so whoever answers the enrollment (a proxy on the shop's network)
   * chooses the key every later statement, outcome and policy is checked against.
   */
  serverSigningKeyPem: z.string().optional(),
  /** Sync by itself (after each sale and every `intervalMs`); else only on `syncNow()`. */
  autoSync: z.boolean().default(false),
  /** The RxDB database's name (one per terminal on a storage). */
  databaseName: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,63}$/)
    .default('outpost-terminal'),
  sync: z
    .object({
      intervalMs: z.number().int().min(0).optional(),
      backoffBaseMs: z.number().int().positive().optional(),
      backoffMaxMs: z.number().int().positive().optional(),
      requestTimeoutMs: z.number().int().positive().optional(),
    })
    .optional(),
});
export type TerminalOptions = z.input<typeof TerminalOptions>;

export interface TerminalConfig extends TerminalOptions {
  /** Any RxDB storage: the app passes its encrypted SQLite storage, the example RxDB's memory one. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- RxDB storages are typed by their internals
  storage: RxStorage<any, any>;
  /** Where the device's private keys live (the OS keychain, a secure enclave; memory for a demo). */
  keyStore: KeyStore;
  /** The OS machine id the device fingerprint binds to; a random one kept in the key store if absent. */
  machineId?: () => Promise<string>;
  /** The terminal's clock for sales and bundles; Date.now if absent. */
  clock?: { now(): number };
}

/** One cash sale line, prices in the currency's minor units (XOF has none: 1000 is 1000 F). */
export const TransactionLine = z.object({
  sku: z.string().min(1).max(64),
  name: z.string().min(1).max(200),
  qty: z.number().int().positive().max(1_000_000),
  unitPriceMinor: z.number().int().nonnegative().safe(),
  discountMinor: z.number().int().nonnegative().safe().default(0),
  /** Tax rate in basis points (1800 = 18 %), added to the line's net amount. */
  taxRateBp: z.number().int().min(0).max(10_000).default(0),
});

/** A cash sale taken offline: its lines and the cash handed over (the change is worked out). */
export const OfflineTransaction = z.object({
  lines: z.array(TransactionLine).min(1).max(1000),
  cashMinor: z.number().int().nonnegative().safe(),
  /** The cashier recording it, as the shop's roster names them (optional). */
  cashierId: z.string().min(1).max(128).optional(),
});
export type OfflineTransaction = z.input<typeof OfflineTransaction>;

export interface RecordedTransaction {
  /** The sale's id (a UUID), as the server and the ledger name it. */
  localId: string;
  seq: number;
  totalMinor: number;
  changeMinor: number;
  currency: string;
}

export const OfflineQrInput = z.object({
  amountMinor: z.number().int().nonnegative().safe(),
  /** How long the customer may pay it; 15 minutes unless said (at most 24 hours). */
  lifetimeMs: z.number().int().positive().optional(),
});
export type OfflineQrInput = z.input<typeof OfflineQrInput>;

/** A sale as the terminal lists it, with where its sync stands (docs/sync.md, "Sale states"). */
export interface TerminalSale {
  id: string;
  seq: number;
  totalMinor: number;
  currency: string;
  state: SaleSyncState;
  /** The server's reason when it refused or flagged the sale's bundle. */
  reason: string | null;
}

/** The enrollment record kept in the terminal's own settings collection. */
class RecordStore {
  private readonly subject: BehaviorSubject<EnrollmentRecord>;
  constructor(
    private readonly collections: TerminalCollections,
    initial: EnrollmentRecord,
  ) {
    this.subject = new BehaviorSubject(initial);
  }
  get current(): EnrollmentRecord {
    return this.subject.value;
  }
  get changes(): Observable<EnrollmentRecord> {
    return this.subject.asObservable();
  }
  async save(record: EnrollmentRecord): Promise<EnrollmentRecord> {
    const valid = EnrollmentRecord.parse(record);
    await this.collections.settings.upsert({
      key: ENROLLMENT_KEY,
      value: JSON.stringify(valid),
      updatedAt: Date.now(),
    });
    this.subject.next(valid);
    return valid;
  }
}

/**
 * An offline payment terminal on the Outpost protocol (docs/protocol.md): the API the payments
 * design promised (initialize, registerDevice, createOfflineTransaction, syncNow, generateOfflineQR)
 * over the sync engine the Outpost app itself runs. Sales are hash-chained, signed with the device
 * key, sealed to the server's HPKE key in bundles written before they are sent, and pushed and
 * pulled over HTTP; every server answer is checked against the server's signing key before it is
 * applied.
 */
export class OfflineTerminal {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly options: z.output<typeof TerminalOptions>,
    private readonly config: TerminalConfig,
    private readonly db: RxDatabase,
    private readonly collections: TerminalCollections,
    private readonly identity: DeviceIdentity,
    private readonly record: RecordStore,
    private readonly sync: SyncService,
  ) {}

  /** Opens (or creates) the terminal's database and its device identity. */
  static async initialize(config: TerminalConfig): Promise<OfflineTerminal> {
    const options = TerminalOptions.parse(config);
    const identity = await loadOrCreateIdentity(
      config.keyStore,
      config.machineId ? { machineId: config.machineId } : {},
    );
    const db = await createRxDatabase({
      name: options.databaseName,
      storage: config.storage,
      multiInstance: false,
    });
    try {
      const collections = await addTerminalCollections(db);
      const stored = await collections.settings.findOne(ENROLLMENT_KEY).exec();
      const record = new RecordStore(
        collections,
        stored ? EnrollmentRecord.parse(JSON.parse(stored.value)) : NOT_ENROLLED,
      );
      const serverKey = (enrolledKeyPem?: string): Promise<KeyObject> =>
        serverSigningKey({
          settings: collections.settings,
          buildPinnedPem: options.serverSigningKeyPem ?? null,
          enrolledKeyPem: () => enrolledKeyPem ?? record.current.server?.signingPublicKeyPem ?? null,
          serverUrl: () => record.current.enrollment.serverUrl,
          // Never the network's unauthenticated word: a code-authenticated enrollment answer or the build.
          trustOnFirstUse: false,
        });
      const online = new BehaviorSubject({ state: 'unknown' as const });
      const sync = new SyncService({
        collections,
        identity: async () => identity,
        enrollment: record,
        enrollmentChanges: options.autoSync ? record.changes : NEVER,
        reachability: {
          get current() {
            return online.value;
          },
          changes: options.autoSync ? online : NEVER,
        },
        serverUrl: () => record.current.enrollment.serverUrl ?? options.serverUrl,
        serverKey: () => serverKey(),
        ...(config.clock ? { clock: config.clock } : {}),
        live: options.autoSync,
        options: { ...options.sync, ...(options.autoSync ? {} : { intervalMs: 0 }) },
      });
      const terminal = new OfflineTerminal(options, config, db, collections, identity, record, sync);
      terminal.serverKey = serverKey;
      await sync.start();
      return terminal;
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  private serverKey: (enrolledKeyPem?: string) => Promise<KeyObject> = () =>
    Promise.reject(new Error('closed'));

  private now(): number {
    return this.config.clock?.now() ?? Date.now();
  }

  /** The device's id (derived from its signing key) and the public key the server registers. */
  get deviceId(): string {
    return this.identity.deviceId;
  }

  getPublicKey(): string {
    return this.identity.signingPublicKeyPem;
  }

  get enrollment(): Enrollment {
    return this.record.current.enrollment;
  }

  /**
   * Enrolls with a one-time code from the shop's back office (or POST /offline/enrollment-codes).
   * The answer is applied only when the server's signed statement verifies; the server's signing
   * key (the build's, else the one this code-authenticated answer carries) is pinned in the
   * terminal's settings from then on.
   */
  async registerDevice(code: string): Promise<Enrollment> {
    const checked = z.string().trim().min(4).max(64).parse(code);
    if (this.record.current.enrollment.state === 'enrolled')
      throw new ApiError('CONFLICT', 'This terminal is already enrolled.');
    const record = await enrollWithCode({
      serverUrl: this.options.serverUrl,
      code: checked,
      identity: this.identity,
      platform: this.options.platform,
      serverKey: (pem) => this.serverKey(pem),
      now: () => this.now(),
    });
    return (await this.record.save(record)).enrollment;
  }

  private requireEnrolled(): { currency: string } {
    const { enrollment } = this.record.current;
    if (enrollment.state !== 'enrolled' || enrollment.mode !== 'pos' || !enrollment.currency)
      throw new ApiError('NOT_ENROLLED', 'This terminal is not enrolled: call registerDevice first.');
    return { currency: enrollment.currency };
  }

  /**
   * Records a cash sale offline: checked, chained after the terminal's last sale, and written
   * before it is acknowledged. It travels at the next sync.
   */
  createOfflineTransaction(input: OfflineTransaction): Promise<RecordedTransaction> {
    const tx = OfflineTransaction.parse(input);
    const run = this.queue.then(() => this.record_(tx));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** What the lines come to (tax included), as createOfflineTransaction will record them. */
  quote(lines: z.input<typeof TransactionLine>[]): { totalMinor: number } {
    return { totalMinor: sumTotals(z.array(TransactionLine).parse(lines).map(computeLine)) };
  }

  private async record_(tx: z.output<typeof OfflineTransaction>): Promise<RecordedTransaction> {
    const { currency } = this.requireEnrolled();
    const lines = tx.lines.map(computeLine);
    const totalMinor = sumTotals(lines);
    if (tx.cashMinor < totalMinor)
      throw new ApiError('TENDER_SHORT', 'The cash handed over does not cover the total.');
    const head = await this.head();
    const createdAt = this.now();
    const sale: Sale = checkedSale({
      sale_id: randomUUID(),
      device_id: this.identity.deviceId,
      seq: head.seq + 1,
      prev_hash: head.hash,
      kind: 'sale',
      created_at: new Date(createdAt).toISOString(),
      online: false,
      currency,
      lines,
      tenders: [{ type: 'cash', amount_minor: tx.cashMinor, change_minor: tx.cashMinor - totalMinor }],
      total_minor: totalMinor,
      ...(tx.cashierId ? { cashier_id: tx.cashierId } : {}),
    });
    const doc = saleDocument(sale, saleHash(sale), { createdAt, taxRates: tx.lines.map((l) => l.taxRateBp) });
    await this.collections.sales.insert(doc);
    if (this.options.autoSync) this.sync.recorded();
    return {
      localId: sale.sale_id,
      seq: sale.seq,
      totalMinor,
      changeMinor: tx.cashMinor - totalMinor,
      currency,
    };
  }

  private async head(): Promise<ChainHead> {
    const last = await this.collections.sales
      .findOne({ selector: { deviceId: this.identity.deviceId }, sort: [{ seq: 'desc' }] })
      .exec();
    return last ? { seq: last.seq, hash: last.hash } : GENESIS_HEAD;
  }

  /** Pushes what is waiting and pulls outcomes, policy, catalog and time now; answers the status after. */
  syncNow(): Promise<SyncStatus> {
    return this.sync.syncNow();
  }

  /** The sync status as it changes (counts of sales by state, the last error, what is blocked). */
  get status(): Observable<SyncStatus> {
    return this.sync.changes;
  }

  /** A payment-request QR for `amountMinor`, signed by this terminal (the customer's wallet scans it). */
  async generateOfflineQR(
    input: OfflineQrInput,
  ): Promise<{ qrData: string; ref: string; expiresAt: string }> {
    const { amountMinor, lifetimeMs } = OfflineQrInput.parse(input);
    const { currency } = this.requireEnrolled();
    const { text, request } = terminalPaymentRequest({
      record: this.record.current,
      identity: this.identity,
      amountMinor,
      currency,
      now: this.now(),
      ...(lifetimeMs === undefined ? {} : { lifetimeMs }),
    });
    return { qrData: text, ref: request.ref, expiresAt: request.expires_at };
  }

  /** The terminal's sales in order, each with its sync state: reconciliation as the terminal sees it. */
  async sales(): Promise<TerminalSale[]> {
    const docs = await this.collections.sales
      .find({ selector: { deviceId: this.identity.deviceId }, sort: [{ seq: 'asc' }] })
      .exec();
    return docs.map((d) => ({
      id: d.id,
      seq: d.seq,
      totalMinor: d.totalMinor,
      currency: d.currency,
      state: SALE_SYNC_STATE[d.status],
      reason: d.statusReason ?? null,
    }));
  }

  /** Stops syncing and closes the database (the storage keeps what it persists). */
  async close(): Promise<void> {
    this.sync.stop();
    await this.sync.idle().catch(() => undefined);
    await this.db.close();
  }
}
