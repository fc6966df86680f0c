/**
 * Encryption at rest, against the real Secret Service: the file is unreadable without its key, a
 * missing or wrong key is a typed error that leaves the file untouched, and key rotation survives
 * being killed at any moment.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3-multiple-ciphers';
import {
  createRevision,
  fillWithDefaultSettings,
  now,
  randomToken,
  type RxDocumentData,
  type RxJsonSchema,
} from 'rxdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOpenFile } from './files';
import {
  encodeDatabaseKey,
  generateDatabaseKey,
  KeychainKeyProvider,
  sameKey,
  type DatabaseKey,
} from './key';
import { getRxStorageSqlite, type RxStorageInstanceSqlite, type RxStorageSqlite } from './index';
import type { StoreErrorCode } from './errors';
import { rekeyConnection } from './rekey';
import { openWithKey } from './sqlite';
import { realKeychain, tempDir, type RealKeychain } from './test-support';
import type { KeyStore } from '../../../native/index';

interface Note {
  id: string;
  text: string;
}

const schema: RxJsonSchema<RxDocumentData<Note>> = fillWithDefaultSettings<Note>({
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id: { type: 'string', maxLength: 40 }, text: { type: 'string', maxLength: 2000 } },
  required: ['id', 'text'],
  indexes: ['text'],
});

const MARKER = 'PLAINTEXT-MARKER-cafe-creme-4242';

let keychain: RealKeychain;
let dir: { path: string; remove(): void };
let storage: RxStorageSqlite;

beforeAll(async () => {
  keychain = await realKeychain();
  dir = tempDir();
  storage = getRxStorageSqlite({ databaseDir: dir.path, keyProvider: keychain.keys });
});
afterAll(async () => {
  dir.remove();
  await keychain.cleanup();
});

function open(databaseName: string, on: RxStorageSqlite = storage): Promise<RxStorageInstanceSqlite<Note>> {
  return on.createStorageInstance<Note>({
    databaseInstanceToken: 'enc',
    databaseName,
    collectionName: 'notes',
    schema,
    options: {},
    multiInstance: false,
    devMode: false,
  });
}

function note(id: string, text: string): RxDocumentData<Note> {
  return { id, text, _deleted: false, _attachments: {}, _meta: { lwt: now() }, _rev: createRevision('enc') };
}

async function createWithNotes(databaseName: string, count: number, text = MARKER): Promise<void> {
  const store = await open(databaseName);
  for (let i = 0; i < count; i += 500) {
    const rows = Array.from({ length: Math.min(500, count - i) }, (_, j) => ({
      document: note(`n${i + j}`, `${text} ${i + j}`),
    }));
    await store.bulkWrite(rows, 'test');
  }
  await store.close();
}

async function currentKey(databaseName: string): Promise<DatabaseKey> {
  const { current } = await keychain.keys.keysForExistingDatabase(databaseName);
  if (!current) throw new Error(`no key for ${databaseName}`);
  return current;
}

/**
 * Puts a file in the state a build from before AEGIS left it: pages under chacha20 and the key in
 * the keychain as 32 bare bytes, with no cipher named.
 */
async function makeLegacy(databaseName: string): Promise<DatabaseKey> {
  const legacy = generateDatabaseKey('chacha20');
  const db = openWithKey(storage.filePath(databaseName), await currentKey(databaseName), false)!;
  rekeyConnection(db, legacy);
  db.close();
  await keychain.keyStore.set(`db-key:${databaseName}`, legacy.bytes);
  return legacy;
}

/** The file was rewritten from `oldKey` to `newKey`, whole, back in WAL, with nothing staged left. */
async function expectRotated(name: string, oldKey: DatabaseKey, newKey: DatabaseKey, rows: number) {
  const path = storage.filePath(name);
  expect(sameKey(newKey, oldKey)).toBe(false);
  expect(await keychain.keyStore.get(`db-key:${name}:next`)).toBeNull();
  expect(openWithKey(path, oldKey, false)).toBeNull();
  const db = openWithKey(path, newKey, false)!;
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(db.prepare('SELECT count(*) FROM "notes-0"').pluck().get()).toBe(rows);
  db.close();
}

function fingerprint(path: string): string {
  return ['', '-wal']
    .map((s) =>
      existsSync(path + s)
        ? createHash('sha256')
            .update(readFileSync(path + s))
            .digest('hex')
        : '-',
    )
    .join(':');
}

describe('file contents', () => {
  it('has no SQLite header and no plaintext, on disk and in the WAL while open', async () => {
    const name = `enc${randomToken(6)}`;
    const store = await open(name);
    await store.bulkWrite([{ document: note('secret', `${MARKER} total 1500 XOF`) }], 'test');
    const path = storage.filePath(name);
    const walWhileOpen = readFileSync(`${path}-wal`);
    expect(walWhileOpen.length).toBeGreaterThan(0);
    expect(walWhileOpen.includes(MARKER)).toBe(false);
    await store.close();

    const bytes = readFileSync(path);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    expect(bytes.includes('SQLite format 3')).toBe(false);
    expect(bytes.includes(MARKER)).toBe(false);
    expect(bytes.includes('secret')).toBe(false);
    expect(bytes.includes('notes-0')).toBe(false);
  });

  it('cannot be opened by plain SQLite or with another key', async () => {
    const name = `enc${randomToken(6)}`;
    await createWithNotes(name, 3);
    const path = storage.filePath(name);
    const plain = new Database(path, { fileMustExist: true, readonly: true });
    expect(() => plain.prepare('SELECT count(*) FROM sqlite_master').get()).toThrow(/not a database/);
    plain.close();
    expect(openWithKey(path, generateDatabaseKey(), false)).toBeNull();
    const key = await currentKey(name);
    expect(key.cipher).toBe('aegis');
    expect(key.bytes).toHaveLength(32);
    // The same bytes under the other cipher do not open it: the pages really are AEGIS.
    expect(openWithKey(path, { cipher: 'chacha20', bytes: key.bytes }, false)).toBeNull();
    const good = openWithKey(path, key, false);
    expect(good?.prepare('SELECT count(*) FROM "notes-0"').pluck().get()).toBe(3);
    good?.close();
  });

  it('keeps the key in the keychain with the cipher it belongs to', async () => {
    const name = `enc${randomToken(6)}`;
    await createWithNotes(name, 1);
    const entry = (await keychain.keyStore.get(`db-key:${name}`))!.toString('utf8');
    expect(entry).toMatch(/^\{"cipher":"aegis","key":"[0-9a-f]{64}"\}$/);
  });
});

describe('files from before AEGIS (chacha20, bare key in the keychain)', () => {
  it('are moved to AEGIS under a new key at their first open, with every row', async () => {
    const name = `enc${randomToken(6)}`;
    await createWithNotes(name, 300);
    const path = storage.filePath(name);
    const legacy = await makeLegacy(name);
    const before = openWithKey(path, legacy, false)!;
    expect(before.prepare('SELECT count(*) FROM "notes-0"').pluck().get()).toBe(300);
    before.close();

    const store = await open(name);
    expect(await store.findDocumentsById(['n0', 'n299'], false)).toHaveLength(2);
    await store.close();
    const upgraded = await currentKey(name);
    expect(upgraded.cipher).toBe('aegis');
    expect(upgraded.bytes.equals(legacy.bytes)).toBe(false);
    await expectRotated(name, legacy, upgraded, 300);
  });

  it('a bare key left in the keychain for a name with no file: the new file moves to AEGIS at once', async () => {
    const name = `enc${randomToken(6)}`;
    const leftover = generateDatabaseKey('chacha20');
    await keychain.keyStore.set(`db-key:${name}`, leftover.bytes);
    await createWithNotes(name, 3);
    const key = await currentKey(name);
    expect(key.cipher).toBe('aegis');
    await expectRotated(name, leftover, key, 3);
  });

  it('still open under their old key when the move cannot be made, and it is tried again later', async () => {
    const name = `enc${randomToken(6)}`;
    await createWithNotes(name, 20);
    const legacy = await makeLegacy(name);
    // The real keychain, refusing to stage a key: the move must not start.
    const refusingStaging: KeyStore = {
      get: (account) => keychain.keyStore.get(account),
      delete: (account) => keychain.keyStore.delete(account),
      set: async (account, secret) => {
        if (account.endsWith(':next')) throw new Error('keychain refused the write');
        await keychain.keyStore.set(account, secret);
      },
    };
    const stuck = getRxStorageSqlite({
      databaseDir: dir.path,
      keyProvider: new KeychainKeyProvider(refusingStaging),
    });
    const warnings: unknown[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      const store = await open(name, stuck);
      expect(await store.findDocumentsById(['n19'], false)).toHaveLength(1);
      await store.bulkWrite([{ document: note('after', 'written under the old cipher') }], 'test');
      await store.close();
    } finally {
      console.warn = warn;
    }
    expect(warnings).toHaveLength(1);
    expect((await keychain.keyStore.get(`db-key:${name}`))?.equals(legacy.bytes)).toBe(true);

    const store = await open(name);
    expect(await store.findDocumentsById(['n19', 'after'], false)).toHaveLength(2);
    await store.close();
    expect((await currentKey(name)).cipher).toBe('aegis');
  });
});

describe('key errors', () => {
  /** Spoils the keychain entry each way in turn: every open is refused and the file stays byte for byte. */
  async function expectRefusedLeavingFile(
    code: StoreErrorCode,
    spoilings: ((account: string) => Promise<unknown>)[],
  ) {
    const name = `enc${randomToken(6)}`;
    await createWithNotes(name, 5);
    const path = storage.filePath(name);
    const account = `db-key:${name}`;
    const real = (await keychain.keyStore.get(account))!;
    const before = fingerprint(path);
    for (const spoil of spoilings) {
      await spoil(account);
      await expect(open(name)).rejects.toMatchObject({ name: 'StoreError', code });
    }
    expect(fingerprint(path)).toBe(before);
    await keychain.keyStore.set(account, real);
    const store = await open(name);
    expect(await store.findDocumentsById(['n4'], false)).toHaveLength(1);
    await store.close();
  }

  it('STORE_KEY_WRONG when the keychain holds another key, and the file is untouched', async () => {
    await expectRefusedLeavingFile('STORE_KEY_WRONG', [
      (account) => keychain.keyStore.set(account, encodeDatabaseKey(generateDatabaseKey())),
      (account) => keychain.keyStore.set(account, generateDatabaseKey('chacha20').bytes),
    ]);
  });

  it('STORE_KEY_MISSING when the keychain has no key, and the file is untouched', async () => {
    await expectRefusedLeavingFile('STORE_KEY_MISSING', [(account) => keychain.keyStore.delete(account)]);
  });

  it('STORE_KEY_CORRUPT when the keychain entry is not a key, and the file is untouched', async () => {
    await expectRefusedLeavingFile(
      'STORE_KEY_CORRUPT',
      ['not a key', '{"cipher":"rot13","key":"00"}', '{"cipher":"aegis","key":"ABC"}'].map(
        (entry) => (account: string) => keychain.keyStore.set(account, Buffer.from(entry)),
      ),
    );
  });

  it('a crashed WAL is left alone by a wrong key and recovered by the right one', async () => {
    const name = `enc${randomToken(6)}`;
    const store = await open(name);
    await store.bulkWrite([{ document: note('in-wal', MARKER) }], 'test');
    const path = storage.filePath(name);
    // Copy the live file and WAL: the state a crash would leave.
    const copy = `${dir.path}/crashed-${name}.sqlite`;
    const fs = await import('node:fs');
    fs.copyFileSync(path, copy);
    fs.copyFileSync(`${path}-wal`, `${copy}-wal`);
    await store.close();
    const before = fingerprint(copy);
    expect(openWithKey(copy, generateDatabaseKey(), false)).toBeNull();
    expect(fingerprint(copy)).toBe(before);
    const db = openWithKey(copy, await currentKey(name), false)!;
    expect(db.prepare(`SELECT count(*) FROM "notes-0" WHERE id = 'in-wal'`).pluck().get()).toBe(1);
    db.close();
  });
});

describe('rekey', () => {
  it('rotates the key: old key refused, new key in the keychain opens the file', async () => {
    const name = `enc${randomToken(6)}`;
    await createWithNotes(name, 200);
    const path = storage.filePath(name);
    const oldKey = await currentKey(name);
    const before = fingerprint(path);
    await storage.rekeyDatabase(name);
    expect(fingerprint(path)).not.toBe(before);
    await expectRotated(name, oldKey, await currentKey(name), 200);
  });

  it('recovers a rekey interrupted before its commit (staged key, file under the old key)', async () => {
    const name = `enc${randomToken(6)}`;
    await createWithNotes(name, 10);
    const current = await currentKey(name);
    await keychain.keys.stageNextKey(name, generateDatabaseKey());
    const store = await open(name);
    expect(await store.findDocumentsById(['n3'], false)).toHaveLength(1);
    await store.close();
    expect(sameKey(await currentKey(name), current)).toBe(true);
    expect(await keychain.keyStore.get(`db-key:${name}:next`)).toBeNull();
  });

  it('recovers a rekey interrupted after its commit (file under the staged key)', async () => {
    const name = `enc${randomToken(6)}`;
    await createWithNotes(name, 10);
    const next = generateDatabaseKey();
    await keychain.keys.stageNextKey(name, next);
    const db = openWithKey(storage.filePath(name), await currentKey(name), false)!;
    rekeyConnection(db, next);
    db.close();
    // Killed here: the keychain still says the old key is current.
    const store = await open(name);
    expect(await store.findDocumentsById(['n3'], false)).toHaveLength(1);
    await store.close();
    expect(sameKey(await currentKey(name), next)).toBe(true);
    expect(await keychain.keyStore.get(`db-key:${name}:next`)).toBeNull();
  });

  it('loses nothing when the rekeying process is SIGKILLed at random moments', async () => {
    const name = `enc${randomToken(6)}`;
    // ~10 MB so that one rekey takes long enough to be killed in the middle of it.
    await createWithNotes(name, 8_000, `${MARKER} ${'x'.repeat(1000)}`);
    const loop = fileURLToPath(new URL('./fixtures/rekey-loop.ts', import.meta.url));
    const outcomes: string[] = [];
    for (let round = 0; round < 6; round++) {
      // Every other round starts from a file of before AEGIS, so kills also land in its move.
      if (round % 2 === 0) await makeLegacy(name);
      const delayMs = Math.floor(Math.random() * 2500);
      const lastLine = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', loop, dir.path, name, keychain.service], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        let timer: NodeJS.Timeout | undefined;
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs);
        });
        child.on('exit', (_code, signal) => {
          if (timer) clearTimeout(timer);
          if (signal === 'SIGKILL') resolve(out.trim().split('\n').pop() ?? '');
          else reject(new Error(`rekey loop ended on its own: ${err}`));
        });
      });
      outcomes.push(lastLine);
      const store = await open(name);
      expect(await store.findDocumentsById(['n0', 'n7999'], false)).toHaveLength(2);
      const db = findOpenFile(storage.filePath(name))!.db!;
      expect(db.prepare('SELECT count(*) FROM "notes-0"').pluck().get()).toBe(8_000);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      await store.close();
      expect(await keychain.keyStore.get(`db-key:${name}:next`)).toBeNull();
      expect((await currentKey(name)).cipher).toBe('aegis');
    }
    // The kills landed at different points of the rotation (printed for the record).
    console.info('rekey kill points:', outcomes.join(' | '));
  }, 180_000);
});
