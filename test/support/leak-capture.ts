import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { ServerMessage } from '../../protocol/api';
import { decodeDatabaseKey } from '../../src-main/core/store/key';
import { openWithKey } from '../../src-main/core/store/sqlite';
import type { KeyStore } from '../../native/keystore';
import type { Host } from '../../src-main/host/host';

/**
 * What leak tests look through for a card number: everything the process prints, every WebSocket
 * frame both ways, every file of the data directory byte for byte, and every decrypted database row.
 */

/** Everything the process prints, whatever the logger: console methods and the raw streams. */
export function captureOutput(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const undo: (() => void)[] = [];
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[level];
    console[level] = (...args: unknown[]) => {
      lines.push(
        args
          .map((a) => (a instanceof Error ? `${a.stack}` : typeof a === 'string' ? a : JSON.stringify(a)))
          .join(' '),
      );
      original.apply(console, args);
    };
    undo.push(() => (console[level] = original));
  }
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1'));
      return original(chunk, ...rest);
    }) as typeof stream.write;
    undo.push(() => (stream.write = original));
  }
  return { lines, restore: () => undo.splice(0).forEach((u) => u()) };
}

export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

/** The files under `dir` holding `text` as Latin-1 or UTF-16 bytes. */
export async function filesHolding(dir: string, text: string): Promise<string[]> {
  const needles = [Buffer.from(text, 'latin1'), Buffer.from(text, 'utf16le')];
  const hits: string[] = [];
  for (const file of await filesUnder(dir)) {
    const bytes = await readFile(file);
    if (needles.some((n) => bytes.includes(n))) hits.push(file);
  }
  return hits;
}

/** Every row of every table of the app database, decrypted with its key from the keychain. */
export async function decryptedRows(dataDir: string, keyStore: KeyStore): Promise<string> {
  const key = await keyStore.get('db-key:outpost');
  if (!key) throw new Error('no database key in the keychain');
  const db = openWithKey(join(dataDir, 'outpost.sqlite'), decodeDatabaseKey(key, 'db-key:outpost'), false);
  if (!db) throw new Error('the database did not open with its key');
  let dump = '';
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as {
      name: string;
    }[];
    for (const { name } of tables) {
      for (const row of db.prepare(`select * from "${name.replace(/"/g, '""')}"`).all() as object[]) {
        dump += JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));
      }
    }
  } finally {
    db.close();
  }
  return dump;
}

export class CallRefused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Frames of a WebSocket session: `received` is what left the core for the renderer. */
export interface Frames {
  readonly received: string[];
  readonly sent: string[];
}

/** A WebSocket client of the browser host, as the renderer is, keeping every frame both ways. */
export async function connectHost(host: Host, frames: Frames) {
  const ws = new WebSocket(`ws://127.0.0.1:${new URL(host.origin).port}/api?token=${host.token}`, {
    origin: host.origin,
  });
  const inbox: ServerMessage[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data: Buffer) => {
    frames.received.push(data.toString('latin1'));
    inbox.push(JSON.parse(data.toString()) as ServerMessage);
    waiters.splice(0).forEach((w) => w());
  });
  await new Promise<void>((r) => ws.once('open', () => r()));
  let id = 0;
  const send = (message: object) => {
    const text = JSON.stringify(message);
    frames.sent.push(text);
    ws.send(text);
  };
  const next = async (pred: (m: ServerMessage) => boolean): Promise<ServerMessage> => {
    for (;;) {
      const found = inbox.find(pred);
      if (found) return found;
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  const call = async <T>(method: string, input: unknown = {}): Promise<T> => {
    const callId = ++id;
    send({ type: 'call', id: callId, method, input });
    const answer = await next((m) => 'id' in m && m.id === callId);
    if (answer.type === 'error') throw new CallRefused(answer.error.code, answer.error.message);
    if (answer.type !== 'result') throw new Error(`${method}: unexpected ${answer.type}`);
    return answer.value as T;
  };
  /** Items of a subscription, in order; `take(n)` waits for the n-th one. */
  const subscribe = (topic: string) => {
    const subId = ++id;
    send({ type: 'subscribe', id: subId, topic, input: {} });
    const items = () =>
      inbox.filter((m) => m.type === 'item' && m.id === subId).map((m) => (m as { item: unknown }).item);
    return {
      items,
      take: async (n: number) => {
        await next(() => items().length >= n);
        return items()[n - 1];
      },
    };
  };
  return { ws, call, subscribe };
}
