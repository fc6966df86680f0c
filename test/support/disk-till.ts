import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { ensureSecretService, KeytarKeyStore, type SecretServiceSession } from '../../native/keystore';
import type { SaleSummary } from '../../protocol/api';
import { startTestServer, type TestServer } from '../../server/testing/harness';
import type { Core } from '../../src-main/core';
import { callCommand } from '../../src-main/core/api/dispatch';
import { AnchorRecord, anchorAccount } from '../../src-main/core/trust/rollback-anchor';
import { startForwarder, type Forwarder } from '../integration/tcp-forwarder';
import { forgetKeychain, tillCore } from './till';

/**
 * A till as a machine keeps it: its own data directory and keychain service (the real Secret
 * Service), so an attack can close the app, delete or put back its files, and start it again on the
 * same keychain. Talks to `serverUrl` (a forwarder the test unplugs, or the server).
 */
export class DiskTill {
  core: Core | null = null;

  private constructor(
    readonly dataDir: string,
    readonly service: string,
    readonly keys: KeytarKeyStore,
    private readonly serverUrl: string,
  ) {}

  static async create(serverUrl: string, prefix = 'outpost-till-'): Promise<DiskTill> {
    const service = `outpost-test-${randomUUID()}`;
    const dataDir = await mkdtemp(join(tmpdir(), prefix));
    return new DiskTill(dataDir, service, new KeytarKeyStore({ service }), serverUrl);
  }

  /** Starts the app's core on the data directory (closing a running one first). */
  async start(): Promise<void> {
    await this.core?.close();
    this.core = await tillCore(this.serverUrl, { dataDir: this.dataDir, keyStore: this.keys });
  }

  async close(): Promise<void> {
    await this.core?.close();
    this.core = null;
  }

  call<T = unknown>(method: string, input: unknown = {}): Promise<T> {
    return callCommand(this.core!.handlers, method, input) as Promise<T>;
  }

  /** A one-line cash sale of `amountMinor`. */
  sale(sku: string, amountMinor: number): Promise<SaleSummary> {
    return this.call<SaleSummary>('pos.sale.capture', {
      lines: [{ sku, name: sku, qty: 1, unitPriceMinor: amountMinor, taxRateBp: 0 }],
      tenders: [{ type: 'cash', amountMinor }],
    });
  }

  /** The anchor the keychain holds now. */
  async anchored(): Promise<AnchorRecord> {
    return AnchorRecord.parse(JSON.parse((await this.keys.get(anchorAccount('outpost')))!.toString('utf8')));
  }

  /** Deletes the data directory and the keychain entries, after the test. */
  async forget(): Promise<void> {
    await rm(this.dataDir, { recursive: true, force: true });
    await forgetKeychain(this.service);
  }
}

/** What `useDiskTills` starts for a file of till attacks; read it inside tests and hooks. */
export interface DiskTillWorld {
  server: TestServer;
  /** In front of the server: the tills talk through it, so a test can unplug them. */
  forwarder: Forwarder;
  /** A new till behind the forwarder, closed after its test and forgotten after the file. */
  newTill(prefix?: string): Promise<DiskTill>;
}

/**
 * Registers the hooks of a file of till attacks: a Secret Service, a real server and a forwarder
 * for the file; each test's tills closed after it; their directories and keychain entries deleted
 * at the end.
 */
export function useDiskTills(): DiskTillWorld {
  let session: SecretServiceSession | undefined;
  const tills: DiskTill[] = [];
  const world = {
    async newTill(prefix?: string) {
      const till = await DiskTill.create(world.forwarder.url, prefix);
      tills.push(till);
      return till;
    },
  } as DiskTillWorld;
  beforeAll(async () => {
    session = await ensureSecretService();
    world.server = await startTestServer();
    world.forwarder = await startForwarder(world.server.url);
  }, 120_000);
  afterEach(async () => {
    for (const till of tills) await till.close();
  });
  afterAll(async () => {
    await world.forwarder?.close();
    await world.server?.close();
    for (const till of tills) await till.forget();
    await session?.stop();
  });
  return world;
}
